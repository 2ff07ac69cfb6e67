import { inflateSync } from 'node:zlib';

/**
 * Just enough PDF reading for tests of Chromium's print (Skia): page count and
 * page size from the page objects, and the text of each text-showing operator,
 * decoded through the fonts' ToUnicode maps. Not a general PDF parser.
 */

/** Every stream's bytes, inflated when it is FlateDecode (and inflatable). */
function streams(pdf: Buffer): string[] {
	const text = pdf.toString('latin1');
	const out: string[] = [];
	const re = /stream\r?\n/g;
	let m: RegExpExecArray | null;
	while ((m = re.exec(text))) {
		const start = m.index + m[0].length;
		const end = text.indexOf('endstream', start);
		if (end < 0) break;
		const raw = pdf.subarray(start, end);
		try {
			out.push(inflateSync(raw).toString('latin1'));
		} catch {
			out.push(raw.toString('latin1'));
		}
		re.lastIndex = end + 'endstream'.length;
	}
	return out;
}

const hex = (h: string) => parseInt(h, 16);

/** Glyph code → text, one map per ToUnicode CMap (bfchar and bfrange entries). */
function toUnicodeMaps(all: string[]): Map<number, string>[] {
	return all
		.filter((s) => s.includes('begincmap'))
		.map((cmap) => {
			const map = new Map<number, string>();
			const utf16 = (h: string) => String.fromCharCode(...(h.match(/.{4}/g) ?? []).map(hex));
			for (const block of cmap.match(/beginbfchar([\s\S]*?)endbfchar/g) ?? [])
				for (const [, code, uni] of block.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(hex(code!), utf16(uni!));
			for (const block of cmap.match(/beginbfrange([\s\S]*?)endbfrange/g) ?? [])
				for (const [, lo, hi, uni] of block.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g))
					for (let c = hex(lo!); c <= hex(hi!); c++) map.set(c, String.fromCharCode(hex(uni!) + c - hex(lo!)));
			return map;
		});
}

export interface PdfInfo {
	pages: number;
	/** [width, height] of the first page in points (A4 ≈ 595 × 842). */
	pageSize: [number, number] | null;
	/** Each Tj/TJ string decoded with each font map that knows all its glyphs. */
	texts: string[];
}

export function readPdf(pdf: Buffer): PdfInfo {
	const text = pdf.toString('latin1');
	const pages = (text.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
	const box = /\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text);
	const all = streams(pdf);
	const maps = toUnicodeMaps(all);
	const texts: string[] = [];
	for (const s of all) {
		for (const [, shown] of s.matchAll(/(\[[^\]]*\]|<[0-9A-Fa-f]*>)\s*T[Jj]/g)) {
			const codes = (shown!.match(/<([0-9A-Fa-f]*)>/g) ?? []).flatMap((h) => (h.slice(1, -1).match(/.{4}/g) ?? []).map(hex));
			for (const map of maps) if (codes.every((c) => map.has(c))) texts.push(codes.map((c) => map.get(c)).join(''));
		}
	}
	return { pages, pageSize: box ? [Number(box[3]) - Number(box[1]), Number(box[4]) - Number(box[2])] : null, texts };
}
