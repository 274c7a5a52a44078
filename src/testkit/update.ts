// `sluice test --update`: writes the actual output as the expected rows of failing cases.
import type { FileResult } from './runner.js';

export function updateFile(_r: FileResult): string[] {
  return [];
}
