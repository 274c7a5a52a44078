// A uPlot chart as a Preact component: time on x, one series per label, line or bars. The
// plot is created once per shape (series labels, mode) and fed new data in place otherwise, and
// follows its container's width.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface PlotSeries {
  readonly label: string;
  readonly values: (number | null)[];
}

export interface UPlotProps {
  readonly xs: number[];
  readonly series: readonly PlotSeries[];
  readonly mode?: 'line' | 'bar';
  readonly height?: number;
  readonly yLabel?: string;
  /** Formats y values in the legend and the axis. */
  readonly yFormat?: (v: number) => string;
  readonly testId?: string;
  /** A category axis instead of time: the label of each x index. */
  readonly categories?: readonly string[];
}

const PALETTE = ['#2f7fd8', '#e0684b', '#3aa676', '#b36ad8', '#d8a32f', '#2fb7c4', '#d84f8f', '#7f8c2f', '#6b7ad8', '#c46a2f'];

export function colorOf(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** A palette colour from styles.css (a canvas cannot read CSS variables itself). */
function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export function UPlot(props: UPlotProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const categories = useRef<readonly string[] | undefined>(props.categories);
  categories.current = props.categories;
  const byCategory = props.categories !== undefined;
  const shape = `${props.mode ?? 'line'}|${props.yLabel ?? ''}|${byCategory}|${props.series.map((s) => s.label).join('\u0000')}`;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const bars = props.mode === 'bar' ? uPlot.paths.bars?.({ size: [0.8 / Math.max(1, props.series.length), 40] }) : undefined;
    const fmt = props.yFormat;
    const muted = cssVar('--muted', '#667085');
    const grid = cssVar('--grid', '#eceef2');
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 240,
      legend: { show: true },
      // Event times are UTC everywhere else on the page (and in the engine): the axis too.
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: byCategory
          ? { time: false, range: (u: uPlot) => [-0.5, Math.max(0, u.data[0].length - 0.5)] }
          : {
              time: true,
              // One point (or all at one time) would stretch the axis over a day: show a minute.
              range: (u, min, max) => {
                const xs = u.data[0];
                const first = xs[0];
                return first !== undefined && first === xs[xs.length - 1] ? [first - 30, first + 30] : [min, max];
              },
            },
        // Bars start at zero, or their heights mislead.
        ...(props.mode === 'bar' ? { y: { range: (_u: uPlot, min: number, max: number) => [Math.min(0, min * 1.1), Math.max(0, max * 1.1)] as uPlot.Range.MinMax } } : {}),
      },
      axes: [
        {
          stroke: muted,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          space: byCategory ? 30 : 80,
          ...(byCategory ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}),
          ...(byCategory
            ? { values: (_u: uPlot, splits: number[]) => splits.map((i) => (Number.isInteger(i) ? (categories.current?.[i] ?? '') : '')) }
            : {}),
        },
        {
          stroke: muted,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          label: props.yLabel,
          size: 60,
          ...(fmt ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => (v === null ? '' : fmt(v))) } : {}),
        },
      ],
      series: [
        byCategory ? { label: 'key', value: (_u: uPlot, i: number | null) => (i === null ? '—' : (categories.current?.[i] ?? '')) } : { label: 'time' },
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: colorOf(i),
          width: 2,
          fill: props.mode === 'bar' ? `${colorOf(i)}99` : undefined,
          spanGaps: true,
          points: { show: props.mode !== 'bar', size: 5 },
          ...(bars ? { paths: bars } : {}),
          ...(fmt ? { value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmt(v)) } : {}),
        })),
      ],
    };
    plot.current = new uPlot(opts, [props.xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 240 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.xs, props.series]);

  return <div class="uplot-host" ref={host} data-testid={props.testId} data-series={props.series.length} data-points={props.xs.length} />;
}
