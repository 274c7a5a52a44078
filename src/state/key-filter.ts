// A Bloom filter over the keys of a keyed table that live in the DuckDB tier: a key it has never
// seen answers "no" without a DuckDB lookup, so new keys cost nothing; a false positive costs
// one batched lookup that finds nothing. About 10 bits per key, 4 probes (~1% false positives).
// Keys loaded back keep their bits, so the owner rebuilds it from DuckDB when the adds outgrow it
// or when it is far larger than the keys still spilled.

export class KeyFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  /** Keys it was sized for; past this the owner rebuilds it larger. */
  readonly capacity: number;
  /** Keys added, counting those since loaded back (their bits stay: a Bloom filter cannot forget). */
  added = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1024, capacity);
    let m = 1 << 15;
    while (m < this.capacity * 10) m *= 2;
    this.bits = new Uint32Array(m >>> 5);
    this.mask = m - 1;
  }

  add(key: string): void {
    this.added++;
    const [h1, h2] = hashes(key);
    for (let i = 0; i < 4; i++) {
      const b = (h1 + i * h2) & this.mask;
      this.bits[b >>> 5]! |= 1 << (b & 31);
    }
  }

  mightContain(key: string): boolean {
    const [h1, h2] = hashes(key);
    for (let i = 0; i < 4; i++) {
      const b = (h1 + i * h2) & this.mask;
      if ((this.bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }
}

const pair: [number, number] = [0, 0];

/** FNV-1a and a multiplicative mix of the same pass, for double hashing. */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x85ebca6b) ^ (b >>> 13);
  }
  pair[0] = a >>> 0;
  pair[1] = (b | 1) >>> 0;
  return pair;
}
