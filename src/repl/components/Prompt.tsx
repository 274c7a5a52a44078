// The input area: the highlighted buffer with its cursor, a continuation marker on later lines,
// or the Ctrl-R search line instead.

import { Box, Text } from 'ink';
import { CATEGORY_COLOR, highlightLines } from '../highlight.js';
import type { Buffer } from '../editor.js';

export const PROMPT = 'sluice> ';
export const CONTINUATION = '     -> ';

export interface SearchState {
  readonly query: string;
  readonly match: string | undefined;
}

export function Prompt({ buffer, search, active = true }: { buffer: Buffer; search?: SearchState | undefined; active?: boolean }) {
  if (search) {
    return (
      <Text>
        <Text dimColor>(reverse-i-search)`</Text>
        {search.query}
        <Text dimColor>': </Text>
        {search.match ?? <Text color="red">no match</Text>}
      </Text>
    );
  }
  const lines = highlightLines(buffer.text, active ? buffer.cursor : undefined);
  return (
    <Box flexDirection="column">
      {lines.map((runs, i) => (
        <Text key={i}>
          <Text color="green" bold>
            {i === 0 ? PROMPT : CONTINUATION}
          </Text>
          {runs.map((r, j) => {
            const color = CATEGORY_COLOR[r.category];
            return (
              <Text key={j} {...(color ? { color } : {})} inverse={r.cursor === true} bold={r.category === 'keyword'}>
                {r.text}
              </Text>
            );
          })}
        </Text>
      ))}
    </Box>
  );
}
