import { annotationKinds } from '../../lib/contracts/annotations.js';
import { addAnnotation, AnnotationError, listAnnotations, removeAnnotation } from '../../lib/server/annotations/index.js';
import { cliActor, parse, UsageError, type Command } from '../command.js';

const HELP = `loopmeter annotations <action> [options]

Dated notes every time-series chart marks on their day (launches, price cuts, incidents):
  annotations list [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]
  annotations add --day YYYY-MM-DD --title TEXT [--kind ${annotationKinds.join('|')}] [--body TEXT]
  annotations remove <id>

The author is cli:<your user name>; adding and removing are in the audit log.`;

async function run(argv: string[]): Promise<void> {
	const [action, ...rest] = argv;
	const { values, positionals } = parse(rest, {
		day: { type: 'string' },
		title: { type: 'string' },
		kind: { type: 'string' },
		body: { type: 'string' },
		from: { type: 'string' },
		to: { type: 'string' },
		json: { type: 'boolean' }
	});
	switch (action) {
		case 'list': {
			const list = await listAnnotations({ from: values.from, to: values.to });
			if (values.json) return console.log(JSON.stringify(list, null, 2));
			if (!list.length) return console.log('No annotations.');
			for (const a of list) console.log(`${a.day}  ${a.kind.padEnd(8)} ${a.title}${a.body ? ` — ${a.body}` : ''}  (${a.author}, ${a.id})`);
			return;
		}
		case 'add': {
			try {
				const a = await addAnnotation(
					{ day: values.day ?? '', title: values.title ?? '', kind: values.kind as (typeof annotationKinds)[number] | undefined, body: values.body },
					cliActor()
				);
				console.log(`Added ${a.day} ${a.kind}: ${a.title} (${a.id})`);
			} catch (e) {
				if (e instanceof AnnotationError) throw new UsageError(`annotations add: --${e.message}`);
				throw e;
			}
			return;
		}
		case 'remove': {
			if (positionals.length !== 1) throw new UsageError('give exactly one annotation id; see `loopmeter annotations list`');
			if (!(await removeAnnotation(positionals[0]!, cliActor()))) throw new UsageError(`no annotation ${positionals[0]}`);
			console.log(`Removed ${positionals[0]}.`);
			return;
		}
		default:
			throw new UsageError('actions: list, add, remove; see `loopmeter annotations --help`');
	}
}

const command: Command = { name: 'annotations', summary: 'dated notes marked on every chart (launches, price cuts, incidents)', help: HELP, run };
export default command;
