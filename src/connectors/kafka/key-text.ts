// The text of a message key, the same string object for the same short ASCII key. A Kafka
// source's VARCHAR key is most often the group key (a sensor id): decoded afresh per message it
// was a new string every time, which the window aggregate's hash map then hashed again (V8
// caches a string's hash in the string). Here a direct-mapped cache of recent keys, looked up by
// a hash of the bytes and checked byte for byte, hands back the string made the first time: no
// allocation per message, and a map look-up that finds the hash already computed. Keys that are
// not ASCII or are longer than MAX_LEN are decoded as before (utf8), so the text is always
// exactly what toString() gives.

/** Slots of the cache (a power of two): a few times the keys of a typical topic's hot set. */
const SLOTS = 4096;
const MAX_LEN = 64;

export class KeyText {
  private readonly texts: Array<string | undefined>;
  private readonly mask: number;

  /** `slots`: a power of two (tests use tiny ones, so that different keys share a slot). */
  constructor(slots = SLOTS) {
    this.texts = new Array<string | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** The key's text, as `key.toString()` (utf8). */
  of(key: Buffer): string {
    const len = key.length;
    if (len > MAX_LEN) return key.toString();
    // FNV-1a over the bytes; any byte >= 0x80: not ASCII, not cached.
    let h = 0x811c9dc5;
    let high = 0;
    for (let i = 0; i < len; i++) {
      const b = key[i]!;
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    if (high >= 0x80) return key.toString();
    const slot = (h ^ (h >>> 15)) & this.mask;
    const t = this.texts[slot];
    if (t !== undefined && t.length === len) {
      let i = 0;
      while (i < len && t.charCodeAt(i) === key[i]) i++;
      if (i === len) return t;
    }
    // An ASCII string: one char per byte, so the comparison above is exact (a cached 'é' would
    // equal the one byte 0xE9 there, which decodes to U+FFFD).
    const s = key.toString();
    this.texts[slot] = s;
    return s;
  }
}
