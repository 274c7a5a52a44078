// What statements and commands hand back to the UI: blocks of text with a tone. The UI prints
// them once into the scrollback; nothing else is needed to show a result. Errors and warnings
// pass through redact(): a value read from `${env:NAME}` never reaches the screen.

import { redact } from '../util/log.js';

export type Tone = 'plain' | 'info' | 'error' | 'warn' | 'dim';

export interface Output {
  readonly tone: Tone;
  readonly text: string;
}

export const out = {
  plain: (text: string): Output => ({ tone: 'plain', text }),
  info: (text: string): Output => ({ tone: 'info', text }),
  error: (text: string): Output => ({ tone: 'error', text: redact(text) }),
  warn: (text: string): Output => ({ tone: 'warn', text: redact(text) }),
  dim: (text: string): Output => ({ tone: 'dim', text }),
};
