// One printed block in the scrollback, colored by its tone.

import { Text } from 'ink';
import type { Output } from '../output.js';

const COLOR = { plain: undefined, info: 'cyan', error: 'red', warn: 'yellow', dim: undefined } as const;

export function OutputBlock({ output }: { output: Output }) {
  const color = COLOR[output.tone];
  return (
    <Text {...(color ? { color } : {})} dimColor={output.tone === 'dim'}>
      {output.text}
    </Text>
  );
}
