// Bounded time series kept by the page (watermark lag per source and partition, checkpoint
// sizes): appended as events arrive, the oldest points dropped. Pure and DOM-free.

export interface Point {
  /** Wall clock, epoch ms. */
  readonly t: number;
  readonly v: number | null;
}

export class SeriesHistory {
  private readonly series = new Map<string, Point[]>();
  version = 0;

  constructor(private readonly maxPoints = 600) {}

  add(name: string, t: number, v: number | null): void {
    let list = this.series.get(name);
    if (!list) this.series.set(name, (list = []));
    const last = list[list.length - 1];
    if (last && last.t === t) list[list.length - 1] = { t, v };
    else list.push({ t, v });
    if (list.length > this.maxPoints) list.splice(0, list.length - this.maxPoints);
    this.version++;
  }

  names(): string[] {
    return [...this.series.keys()];
  }

  get(name: string): readonly Point[] {
    return this.series.get(name) ?? [];
  }

  /** Aligned arrays for uPlot: x in seconds, one array per series (null where it has no point). */
  aligned(): { xs: number[]; series: { label: string; values: (number | null)[] }[] } {
    const times = new Set<number>();
    for (const list of this.series.values()) for (const p of list) times.add(p.t);
    const xs = [...times].sort((a, b) => a - b);
    const series = [...this.series.entries()].map(([label, list]) => {
      const m = new Map(list.map((p) => [p.t, p.v]));
      return { label, values: xs.map((x) => m.get(x) ?? null) };
    });
    return { xs: xs.map((x) => x / 1000), series };
  }
}
