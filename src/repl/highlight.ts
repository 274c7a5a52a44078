// Syntax highlighting of the prompt: the lexer's token categories -> colored runs per line,
// with the cursor as an inverse cell. Text the lexer cannot read stays uncolored.

import { tokenize, type TokenCategory } from '../sql/index.js';

export interface Run {
  readonly text: string;
  readonly category: TokenCategory | 'plain';
  readonly cursor?: boolean;
}

export const CATEGORY_COLOR: Readonly<Record<TokenCategory | 'plain', string | undefined>> = {
  keyword: 'cyan',
  identifier: undefined,
  string: 'green',
  number: 'yellow',
  duration: 'yellow',
  operator: 'magenta',
  punctuation: undefined,
  comment: 'gray',
  plain: undefined,
};

/** Lines of runs; the cell at `cursor` is its own run with cursor: true (a space at a line end). */
export function highlightLines(text: string, cursor: number | undefined): Run[][] {
  const cats: Array<TokenCategory | 'plain'> = new Array(text.length).fill('plain');
  for (const t of tokenize(text)) for (let i = t.start; i < t.end && i < text.length; i++) cats[i] = t.category;
  const lines: Run[][] = [[]];
  let runText = '';
  let runCat: TokenCategory | 'plain' = 'plain';
  const flush = (): void => {
    if (runText !== '') lines[lines.length - 1]!.push({ text: runText, category: runCat });
    runText = '';
  };
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (i === cursor) {
      flush();
      lines[lines.length - 1]!.push({ text: ch === undefined || ch === '\n' ? ' ' : ch, category: cats[i] ?? 'plain', cursor: true });
      if (ch === '\n') lines.push([]);
      continue;
    }
    if (ch === undefined) break;
    if (ch === '\n') {
      flush();
      lines.push([]);
      continue;
    }
    const cat = cats[i]!;
    if (cat !== runCat) {
      flush();
      runCat = cat;
    }
    runText += ch;
  }
  flush();
  return lines;
}
