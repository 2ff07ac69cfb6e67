import { ZodError } from 'zod';
import { audit } from '../../lib/server/audit/index.js';
import { roles, scope as scopeSchema, type Role } from '../../lib/server/auth/access.js';
import { createToken, listTokens, revokeToken, TokenError } from '../../lib/server/auth/tokens.js';
import { addUser, listUsers, removeUser, resetPassword, setRole, UserError } from '../../lib/server/auth/users.js';
import { cliActor, parse, UsageError, type Command } from '../command.js';

const HELP = `loopmeter users <action> [options]

Accounts (local sign-in; in LOOPMETER_AUTH=proxy mode, roles of proxy users):
  users list
  users add <name> --role exec|finance|product|admin [--password-stdin]
  users remove <name>
  users reset-password <name> [--password-stdin]
  users role <name> --role exec|finance|product|admin

  Without --password-stdin a random one-time password is printed; the person
  must choose their own at first sign-in. With it, the password is read from
  standard input (e.g. \`printf %s "$PW" | loopmeter users add ana --role finance --password-stdin\`).
  Resetting a password or removing an account signs that person out everywhere.

API tokens (Authorization: Bearer lm_…), stored only as SHA-256 digests:
  users token create <name> --scope S [--scope S …]
  users token list
  users token revoke <id|name>

  Scopes: ${scopeSchema.options.join(', ')}.
  The token is printed once; keep it in a secret store.

Roles: exec (Overview, Unit economics, Glossary), finance (+ Compute, Revenue),
product (+ Engagement, Feed health), admin (everything: Ingest, Admin, alerts).`;

async function readStdin(): Promise<string> {
	if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from a pipe, not from the terminal');
	const chunks: Buffer[] = [];
	for await (const c of process.stdin) chunks.push(c as Buffer);
	return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function parseRole(r: string | undefined): Role {
	if (!r) throw new UsageError(`--role is required (${roles.join(', ')})`);
	if (!(roles as readonly string[]).includes(r)) throw new UsageError(`--role must be one of: ${roles.join(', ')}`);
	return r as Role;
}

function one(positionals: string[], what: string): string {
	if (positionals.length !== 1) throw new UsageError(`give exactly one ${what}; see \`loopmeter users --help\``);
	return positionals[0]!;
}

async function tokens(argv: string[]): Promise<void> {
	const [action, ...rest] = argv;
	const { values, positionals } = parse(rest, { scope: { type: 'string', multiple: true } });
	if (action === 'create') {
		const name = one(positionals, 'token name');
		const scopes = (values.scope ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
		if (!scopes.length) throw new UsageError('give at least one --scope');
		const { id, token } = await createToken(name, scopes, cliActor());
		await audit({ actor: cliActor(), action: 'token.create', target: `${name} (${id})`, detail: scopes.join(' ') });
		console.log(`Token ${id} "${name}" (${scopes.join(', ')}). Shown only now:\n${token}`);
		return;
	}
	if (action === 'list') {
		const list = await listTokens();
		if (!list.length) return console.log('No tokens.');
		for (const t of list) {
			const state = t.revoked_at ? `revoked ${t.revoked_at}` : `last used ${t.last_used_at ?? 'never'}`;
			console.log(`${t.id}  ${t.name.padEnd(20)} ${t.scopes.join(',').padEnd(24)} by ${t.created_by}, ${t.created_at}; ${state}`);
		}
		return;
	}
	if (action === 'revoke') {
		const id = await revokeToken(one(positionals, 'token id or name'));
		await audit({ actor: cliActor(), action: 'token.revoke', target: id });
		console.log(`Token ${id} revoked.`);
		return;
	}
	throw new UsageError('token actions: create, list, revoke; see `loopmeter users --help`');
}

async function run(argv: string[]): Promise<void> {
	const [action, ...rest] = argv;
	if (action === 'token' || action === 'tokens') return tokens(rest);
	const { values, positionals } = parse(rest, { role: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
	const password = values['password-stdin'] ? await readStdin() : undefined;
	switch (action) {
		case 'list': {
			const list = await listUsers();
			if (!list.length) return console.log('No accounts yet (the server creates `admin` on first start).');
			for (const u of list) console.log(`${u.name.padEnd(24)} ${u.role.padEnd(8)}${u.must_change_password ? ' (must choose a password)' : ''}`);
			return;
		}
		case 'add': {
			const name = one(positionals, 'name');
			const r = parseRole(values.role);
			const pw = await addUser(name, r, { password, by: cliActor() });
			await audit({ actor: cliActor(), action: 'user.add', target: name, detail: `role ${r}` });
			console.log(password ? `Added ${name} (${r}).` : `Added ${name} (${r}). One-time password (shown only now): ${pw}`);
			return;
		}
		case 'remove': {
			const name = one(positionals, 'name');
			await removeUser(name, cliActor());
			await audit({ actor: cliActor(), action: 'user.remove', target: name });
			console.log(`Removed ${name}; their sessions have ended.`);
			return;
		}
		case 'reset-password': {
			const name = one(positionals, 'name');
			const pw = await resetPassword(name, { password, by: cliActor() });
			await audit({ actor: cliActor(), action: 'user.reset_password', target: name });
			console.log(password ? `Password of ${name} set; their sessions have ended.` : `One-time password for ${name} (shown only now): ${pw}`);
			return;
		}
		case 'role': {
			const name = one(positionals, 'name');
			const r = parseRole(values.role);
			await setRole(name, r, cliActor());
			await audit({ actor: cliActor(), action: 'user.role', target: name, detail: `role ${r}` });
			console.log(`${name} is now ${r}.`);
			return;
		}
		default:
			throw new UsageError('actions: list, add, remove, reset-password, role, token; see `loopmeter users --help`');
	}
}

const command: Command = {
	name: 'users',
	summary: 'manage accounts, roles and API tokens',
	help: HELP,
	async run(argv) {
		try {
			await run(argv);
		} catch (e) {
			if (e instanceof UserError || e instanceof TokenError) throw new UsageError(e.message);
			if (e instanceof ZodError) throw new UsageError(e.issues[0]!.message);
			throw e;
		}
	}
};
export default command;
