// The prompt's text buffer as pure functions: insert, delete, cursor moves across lines, and
// when Enter submits (a statement ended by ';', a backslash command, or an empty line).

export interface Buffer {
  readonly text: string;
  /** 0-based offset into text. */
  readonly cursor: number;
}

export const EMPTY: Buffer = { text: '', cursor: 0 };

export function insert(b: Buffer, s: string): Buffer {
  return { text: b.text.slice(0, b.cursor) + s + b.text.slice(b.cursor), cursor: b.cursor + s.length };
}

export function backspace(b: Buffer): Buffer {
  if (b.cursor === 0) return b;
  return { text: b.text.slice(0, b.cursor - 1) + b.text.slice(b.cursor), cursor: b.cursor - 1 };
}

export function deleteForward(b: Buffer): Buffer {
  return { text: b.text.slice(0, b.cursor) + b.text.slice(b.cursor + 1), cursor: b.cursor };
}

export function left(b: Buffer): Buffer {
  return { ...b, cursor: Math.max(0, b.cursor - 1) };
}

export function right(b: Buffer): Buffer {
  return { ...b, cursor: Math.min(b.text.length, b.cursor + 1) };
}

export function home(b: Buffer): Buffer {
  return { ...b, cursor: b.text.lastIndexOf('\n', b.cursor - 1) + 1 };
}

export function end(b: Buffer): Buffer {
  const nl = b.text.indexOf('\n', b.cursor);
  return { ...b, cursor: nl === -1 ? b.text.length : nl };
}

/** Deletes the word before the cursor (Ctrl-W). */
export function deleteWord(b: Buffer): Buffer {
  const before = b.text.slice(0, b.cursor).replace(/\S*\s*$/, '');
  return { text: before + b.text.slice(b.cursor), cursor: before.length };
}

/** Line index of the cursor and the number of lines. */
export function cursorLine(b: Buffer): { line: number; lines: number } {
  return { line: b.text.slice(0, b.cursor).split('\n').length - 1, lines: b.text.split('\n').length };
}

/** Moves the cursor one line up or down, keeping the column; undefined at the first/last line. */
export function verticalMove(b: Buffer, dir: -1 | 1): Buffer | undefined {
  const lines = b.text.split('\n');
  const { line } = cursorLine(b);
  const target = line + dir;
  if (target < 0 || target >= lines.length) return undefined;
  const col = b.cursor - (b.text.lastIndexOf('\n', b.cursor - 1) + 1);
  let offset = 0;
  for (let i = 0; i < target; i++) offset += lines[i]!.length + 1;
  return { ...b, cursor: offset + Math.min(col, lines[target]!.length) };
}

/** True when Enter should run the input rather than start a new line. */
export function isComplete(text: string): boolean {
  const t = stripComments(text).trim();
  if (t === '') return true;
  if (t.startsWith('\\')) return true;
  return t.endsWith(';') && !insideString(text);
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '');
}

function insideString(text: string): boolean {
  let inSingle = false;
  let inDouble = false;
  for (const ch of text) {
    if (ch === "'" && !inDouble) inSingle = !inSingle;
    else if (ch === '"' && !inSingle) inDouble = !inDouble;
  }
  return inSingle || inDouble;
}

/** One keystroke found inside a chunk of typed text: a run of text, or a Ctrl+letter. */
export type Keystroke = { readonly text: string } | { readonly ctrl: string };

/**
 * Splits a chunk the terminal delivered at once into keystrokes. A fast typist (or tmux
 * send-keys) can deliver Ctrl-T and the next characters in one chunk; the terminal library
 * only splits out Ctrl-C and backspace, so without this a Ctrl+letter would land in the buffer
 * as an invisible character (`\q` after Ctrl-T then read as SQL). Tab, line feed and carriage
 * return stay text: they belong to pasted statements.
 */
export function splitKeystrokes(chunk: string): Keystroke[] {
  const out: Keystroke[] = [];
  let start = 0;
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk.charCodeAt(i);
    if (c < 1 || c > 26 || c === 9 || c === 10 || c === 13) continue;
    if (i > start) out.push({ text: chunk.slice(start, i) });
    out.push({ ctrl: String.fromCharCode(c + 96) });
    start = i + 1;
  }
  if (start < chunk.length) out.push({ text: chunk.slice(start) });
  return out;
}
