// The REPL app: scrollback (<Static>) of everything printed, the live view of the running
// query, the watermark panel (Ctrl-T), and the prompt. Key handling is here; statements and
// commands run in the Session, whose background sinks report through its notices.

import { useEffect, useRef, useState } from 'react';
import { Box, Static, Text, useApp, useInput, useStdout, type Key } from 'ink';
import type { Session } from '../session.js';
import type { History } from '../history.js';
import type { LiveQuery } from '../live-query.js';
import { out, type Output } from '../output.js';
import * as E from '../editor.js';
import { applyCompletion, complete } from '../complete.js';
import { drainLate, finishedOutputs } from '../finish.js';
import { LiveTable } from './LiveTable.js';
import { panelHeight, panelLines, WatermarkPanel } from './WatermarkPanel.js';
import { OutputBlock } from './OutputBlock.js';
import { CONTINUATION, Prompt, PROMPT } from './Prompt.js';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
  home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
  backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};

export interface AppProps {
  readonly session: Session;
  readonly history: History;
  readonly initial?: readonly Output[];
  /** Poll interval of the live view, ms. */
  readonly tickMs?: number;
}

type Item = Output & { readonly id: number };

export function App({ session, history, initial = [], tickMs = 250 }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const nextId = useRef(0);
  const mk = (os: readonly Output[]): Item[] => os.map((o) => ({ ...o, id: nextId.current++ }));
  const [items, setItems] = useState<Item[]>(() => mk(initial));
  const buf = useRef<E.Buffer>(E.EMPTY);
  const [, setBufState] = useState<E.Buffer>(E.EMPTY);
  const [live, setLive] = useState<LiveQuery | undefined>(session.live);
  const liveRef = useRef<LiveQuery | undefined>(session.live);
  const [, setTick] = useState(0);
  const [hint, setHint] = useState<string | undefined>();
  const [panel, setPanel] = useState(false);
  const panelRef = useRef(false);
  const [search, setSearch] = useState<{ query: string; index: number | undefined } | undefined>();
  const histPos = useRef<number | undefined>(undefined);
  const draft = useRef<E.Buffer>(E.EMPTY);
  const exitArmed = useRef(false);
  const busy = useRef(false);

  const push = (os: readonly Output[]): void => {
    if (os.length > 0) setItems((prev) => [...prev, ...mk(os)]);
  };
  const setBuf = (b: E.Buffer): void => {
    buf.current = b;
    setBufState(b);
  };
  const finish = (q: LiveQuery): void => {
    push([...drainLate(q), ...finishedOutputs(q, session.format)]);
    if (session.live === q) session.live = undefined;
    if (liveRef.current === q) {
      liveRef.current = undefined;
      setLive(undefined);
    }
  };
  const quit = (): void => {
    session.stopQuery();
    exit();
  };

  useEffect(() => {
    session.onQuery = (q) => {
      const prev = liveRef.current;
      if (prev && prev !== q) void prev.done.then(() => finish(prev));
      liveRef.current = q;
      setLive(q);
    };
    return () => {
      session.onQuery = undefined;
    };
  }, [session]);

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      push(drainLate(live));
      setTick((t) => t + 1);
    }, tickMs);
    void live.done.then(() => finish(live));
    return () => clearInterval(timer);
  }, [live]);

  // Background sinks: their stdout rows and endings, and the panel's sink lines, with no query.
  useEffect(() => {
    const timer = setInterval(() => {
      push(session.drainNotices());
      if (panelRef.current && !liveRef.current) setTick((t) => t + 1);
    }, tickMs);
    return () => clearInterval(timer);
  }, [session]);

  const submit = async (text: string): Promise<void> => {
    history.add(text);
    histPos.current = undefined;
    push([out.dim(text.split('\n').map((l, i) => (i === 0 ? PROMPT : CONTINUATION) + l).join('\n'))]);
    setBuf(E.EMPTY);
    busy.current = true;
    try {
      push(await session.submit(text));
    } finally {
      busy.current = false;
    }
    if (session.exitRequested) quit();
  };

  const enter = (): void => {
    const text = buf.current.text;
    if (E.isComplete(text)) {
      if (text.trim() !== '') void submit(text);
      else setBuf(E.EMPTY);
    } else {
      setBuf(E.insert(buf.current, '\n'));
    }
  };

  const historyMove = (dir: -1 | 1): void => {
    const moved = E.verticalMove(buf.current, dir);
    if (moved && histPos.current === undefined) return setBuf(moved);
    const entries = history.entries;
    const pos = histPos.current ?? entries.length;
    if (pos === entries.length) draft.current = buf.current;
    const next = Math.max(0, Math.min(entries.length, pos + dir));
    histPos.current = next === entries.length ? undefined : next;
    const text = next === entries.length ? draft.current.text : entries[next]!;
    setBuf({ text, cursor: text.length });
  };

  const onKey = (input: string, key: Key): void => {
    if (key.ctrl && input === 'c') {
      setSearch(undefined);
      if (session.stopQuery()) return setHint(undefined);
      if (buf.current.text !== '') {
        setBuf(E.EMPTY);
        return setHint(undefined);
      }
      if (exitArmed.current) return quit();
      exitArmed.current = true;
      const sinks = session.runningSinks.length;
      return setHint(`press Ctrl-C again to exit (or type \\q)${sinks > 0 ? `; this stops ${sinks === 1 ? 'the running sink' : `${sinks} running sinks`}` : ''}`);
    }
    exitArmed.current = false;
    if (search) {
      const match = (q: string, before?: number) => history.search(q, before);
      if (key.return || key.leftArrow || key.rightArrow || key.escape) {
        const m = search.index !== undefined ? history.entries[search.index] : undefined;
        if (m !== undefined && !key.escape) setBuf({ text: m, cursor: m.length });
        return setSearch(undefined);
      }
      if (key.ctrl && input === 'r') {
        const m = match(search.query, search.index);
        return setSearch({ query: search.query, index: m?.index ?? search.index });
      }
      const q = key.backspace || key.delete ? search.query.slice(0, -1) : key.ctrl || key.meta ? search.query : search.query + input;
      return setSearch({ query: q, index: match(q)?.index });
    }
    setHint(undefined);
    if (key.ctrl && input === 'r') return setSearch({ query: '', index: undefined });
    if (key.ctrl && input === 't') {
      panelRef.current = !panelRef.current;
      return setPanel(panelRef.current);
    }
    if (key.ctrl && input === 'd' && buf.current.text === '') return quit();
    if (key.return) return enter();
    if (key.tab) {
      const c = complete(buf.current.text, buf.current.cursor, session.catalog);
      setBuf(applyCompletion(buf.current.text, buf.current.cursor, c));
      if (c.candidates.length > 1) setHint(c.candidates.slice(0, 24).join('  ') + (c.candidates.length > 24 ? '  …' : ''));
      return;
    }
    if (key.upArrow) return historyMove(-1);
    if (key.downArrow) return historyMove(1);
    if (key.leftArrow) return setBuf(E.left(buf.current));
    if (key.rightArrow) return setBuf(E.right(buf.current));
    if (key.home || (key.ctrl && input === 'a')) return setBuf(E.home(buf.current));
    if (key.end || (key.ctrl && input === 'e')) return setBuf(E.end(buf.current));
    if (key.backspace || key.delete) return setBuf(E.backspace(buf.current));
    if (key.ctrl && input === 'u') return setBuf(E.EMPTY);
    if (key.ctrl && input === 'w') return setBuf(E.deleteWord(buf.current));
    if (key.ctrl || key.meta || key.escape || input === '') return;
    // Typed or pasted text; a line break inside it acts as Enter.
    const parts = input.replace(/\r\n?/g, '\n').split('\n');
    parts.forEach((p, i) => {
      if (i > 0) enter();
      if (p !== '') setBuf(E.insert(buf.current, p.replace(/\t/g, '  ')));
    });
  };
  useInput((input, key) => {
    const keys = key.ctrl || key.meta || key.escape ? [] : E.splitKeystrokes(input);
    if (keys.length <= 1 || keys.every((k) => 'text' in k)) return onKey(input, key);
    for (const k of keys) onKey('text' in k ? k.text : k.ctrl, { ...NO_KEY, ctrl: !('text' in k) });
  });

  const rows = (stdout as NodeJS.WriteStream).rows ?? 24;
  const columns = (stdout as NodeJS.WriteStream).columns ?? 80;
  const promptLines = buf.current.text.split('\n').length + (hint ? Math.ceil(hint.length / columns) : 0);
  const lines = panel ? panelLines(live, session.runningSinks) : [];
  const panelRows = panel ? panelHeight(lines, columns) : 0;
  // The live view keeps the prompt, the panel and a spare row on screen.
  const height = Math.max(6, rows - promptLines - panelRows - 1);
  return (
    <Box flexDirection="column">
      <Static items={items}>{(item) => <OutputBlock key={item.id} output={item} />}</Static>
      {live && <LiveTable query={live} format={session.format} height={height} width={columns} panel={panel} />}
      {panel && <WatermarkPanel lines={lines} width={columns} />}
      <Prompt buffer={buf.current} search={search ? { query: search.query, match: search.index !== undefined ? history.entries[search.index] : undefined } : undefined} />
      {hint && <Text dimColor>{hint}</Text>}
    </Box>
  );
}
