// Small hooks: re-render on a live stream's changes, and poll an API call while mounted.

import { useEffect, useState } from 'preact/hooks';
import type { JobStream } from './live.js';

export function useStream(stream: JobStream | null): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!stream) return;
    return stream.subscribe(() => setTick((n) => n + 1));
  }, [stream]);
  return stream?.version ?? 0;
}

export interface Polled<T> {
  readonly data: T | null;
  readonly error: string | null;
}

/** Calls `fetcher` now and every `ms` while mounted and `key` is unchanged. */
export function usePoll<T>(key: string | null, fetcher: () => Promise<T>, ms: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null });
  useEffect(() => {
    if (key === null) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ data: null, error: null });
    const tick = async () => {
      try {
        const data = await fetcher();
        if (alive) setState({ data, error: null });
      } catch (e) {
        if (alive) setState((s) => ({ data: s.data, error: (e as Error).message }));
      }
      if (alive) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ms]);
  return state;
}
