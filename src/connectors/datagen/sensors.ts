// The `sensors` generator (the Quix Streams downsampling tutorial): Sensor1..SensorN, one
// reading every 0-500 ms of event time across all sensors (~4 a second), value an integer
// 0-100; with `disorder`, each reading's time is pulled back by a random amount up to it.

import type { Column } from '../../catalog/catalog.js';
import { T } from '../../catalog/types.js';
import { Rng } from './rng.js';

export const SENSOR_COLUMNS: Column[] = [
  { name: 'sensor', type: T.varchar },
  { name: 'value', type: T.int },
  { name: 'ts', type: T.timestamp },
];

export interface SensorRecord {
  readonly sensor: string;
  readonly value: number;
  /** Event time, epoch milliseconds. */
  readonly ts: number;
}

/** Sequential generator: record i depends on all before it (one PRNG stream from the seed). */
export class SensorGenerator {
  private readonly rng: Rng;
  private readonly ids: string[];
  private readonly disorderMs: number;
  private timeMs: number;

  constructor(seed: number, startMs: number, sensors: number, disorderMs: number) {
    this.rng = new Rng(seed);
    this.ids = Array.from({ length: sensors }, (_, i) => `Sensor${i + 1}`);
    this.disorderMs = disorderMs;
    this.timeMs = startMs;
  }

  next(): SensorRecord {
    const rng = this.rng;
    const sensor = this.ids[rng.nextInt(this.ids.length)]!;
    const value = rng.nextInt(101);
    const ts = this.disorderMs > 0 ? this.timeMs - rng.nextInt(this.disorderMs + 1) : this.timeMs;
    this.timeMs += rng.nextInt(501);
    return { sensor, value, ts };
  }
}
