// Nexmark events, after the standard generator's event model: one stream in which every 50
// consecutive event ids hold 1 person, 3 auctions and 46 bids; ids, event times and the hot
// auction/bidder/seller choices derive from the event id, and each event draws from a PRNG
// seeded by (seed, event id). So `bid`, `auction` and `person` are slices of the same stream,
// any record can be generated without the ones before it, and a slice skips the others for free.

import type { Column } from '../../catalog/catalog.js';
import { T } from '../../catalog/types.js';
import { Rng } from './rng.js';

export type NexmarkKind = 'person' | 'auction' | 'bid';

export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
/** Ids may point this far past the newest person/auction (as in Nexmark). */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const NUM_ACTIVE_PEOPLE = 1000;
const NUM_IN_FLIGHT_AUCTIONS = 100;
/** 1 in N people/auctions is hot; a hot choice is taken with probability (ratio-1)/ratio. */
const HOT_ID_SPACING = 100;
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDER_RATIO = 4;
const HOT_SELLER_RATIO = 4;
const HOT_CHANNEL_RATIO = 2;
const CHANNELS = 10_000;
const AVG_PERSON_BYTES = 200;
const AVG_AUCTION_BYTES = 500;
const AVG_BID_BYTES = 100;

const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];

export const NEXMARK_COLUMNS: Readonly<Record<NexmarkKind, Column[]>> = {
  person: [
    { name: 'id', type: T.bigint },
    { name: 'name', type: T.varchar },
    { name: 'email_address', type: T.varchar },
    { name: 'credit_card', type: T.varchar },
    { name: 'city', type: T.varchar },
    { name: 'state', type: T.varchar },
    { name: 'date_time', type: T.timestamp },
    { name: 'extra', type: T.varchar },
  ],
  auction: [
    { name: 'id', type: T.bigint },
    { name: 'item_name', type: T.varchar },
    { name: 'description', type: T.varchar },
    { name: 'initial_bid', type: T.bigint },
    { name: 'reserve', type: T.bigint },
    { name: 'date_time', type: T.timestamp },
    { name: 'expires', type: T.timestamp },
    { name: 'seller', type: T.bigint },
    { name: 'category', type: T.bigint },
    { name: 'extra', type: T.varchar },
  ],
  bid: [
    { name: 'auction', type: T.bigint },
    { name: 'bidder', type: T.bigint },
    { name: 'price', type: T.bigint },
    { name: 'channel', type: T.varchar },
    { name: 'url', type: T.varchar },
    { name: 'date_time', type: T.timestamp },
    { name: 'extra', type: T.varchar },
  ],
};

/** Which kind event id `id` is. */
export function nexmarkKindOf(id: number): NexmarkKind {
  const rem = id % TOTAL_PROPORTION;
  return rem < PERSON_PROPORTION ? 'person' : rem < PERSON_PROPORTION + AUCTION_PROPORTION ? 'auction' : 'bid';
}

/** Event id of the k-th (0-based) event of one kind. */
export function nexmarkEventId(kind: NexmarkKind, k: number): number {
  switch (kind) {
    case 'person':
      return k * TOTAL_PROPORTION;
    case 'auction':
      return Math.floor(k / AUCTION_PROPORTION) * TOTAL_PROPORTION + PERSON_PROPORTION + (k % AUCTION_PROPORTION);
    case 'bid':
      return Math.floor(k / BID_PROPORTION) * TOTAL_PROPORTION + PERSON_PROPORTION + AUCTION_PROPORTION + (k % BID_PROPORTION);
  }
}

/** 0-based id of the newest person at event `id`. */
function lastPerson(id: number): number {
  return Math.floor(id / TOTAL_PROPORTION) * PERSON_PROPORTION + Math.min(id % TOTAL_PROPORTION, PERSON_PROPORTION - 1);
}

/** 0-based id of the newest auction at event `id`. */
function lastAuction(id: number): number {
  let epoch = Math.floor(id / TOTAL_PROPORTION);
  let offset = id % TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

function reverseBits32(n: number): number {
  let x = n >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

const POOL_SIZE = 1 << 16;

export interface NexmarkOptions {
  readonly seed: number;
  readonly startMs: number;
  /** Events per second of event time over the whole stream (Nexmark's first_event_rate). */
  readonly firstEventRate: number;
  /** Each event's time is pulled back by up to this many ms (0 = in order). */
  readonly disorderMs: number;
}

export class NexmarkGenerator {
  private readonly rng: Rng;
  private readonly seed: number;
  private readonly startMs: number;
  private readonly delayUs: number;
  private readonly disorderMs: number;
  /** Random letters (1 in 13 a space) that strings are cut from: one draw per string, not per char. */
  private readonly pool: string;
  private readonly hotUrls: string[];
  /** Per channel number, its name and url, made on first use (a bid's hot path allocates neither). */
  private readonly channelNames: Array<string | undefined> = new Array<string | undefined>(CHANNELS).fill(undefined);
  private readonly channelUrls: Array<string | undefined> = new Array<string | undefined>(CHANNELS).fill(undefined);

  constructor(o: NexmarkOptions) {
    this.seed = o.seed;
    this.startMs = o.startMs;
    this.delayUs = 1_000_000 / o.firstEventRate;
    this.disorderMs = o.disorderMs;
    this.rng = new Rng(o.seed);
    const r = new Rng(o.seed ^ 0x5bd1e995);
    const chars: string[] = [];
    for (let i = 0; i < POOL_SIZE; i++) chars.push(r.nextInt(13) === 0 ? ' ' : String.fromCharCode(97 + r.nextInt(26)));
    this.pool = chars.join('');
    this.hotUrls = HOT_CHANNELS.map(() => this.baseUrl(r));
  }

  /** Event time (epoch ms) of event id `id`, before any disorder. */
  timestampMs(id: number): number {
    return this.startMs + Math.floor((id * this.delayUs) / 1000);
  }

  /** The record of event `id` as a field -> value object (TIMESTAMPs as epoch ms). */
  event(id: number): Record<string, unknown> {
    this.rng.reseed(this.seed, id);
    const kind = nexmarkKindOf(id);
    return kind === 'bid' ? this.bid(id) : kind === 'auction' ? this.auction(id) : this.person(id);
  }

  private eventTime(id: number): number {
    const t = this.timestampMs(id);
    return this.disorderMs > 0 ? t - this.rng.nextInt(this.disorderMs + 1) : t;
  }

  private text(len: number): string {
    const at = this.rng.nextInt(POOL_SIZE - len);
    return this.pool.substring(at, at + len);
  }

  /** A string of 3..maxLength-1 characters, trimmed. */
  private nextString(maxLength: number): string {
    return this.text(3 + this.rng.nextInt(maxLength - 3)).trim();
  }

  private extra(currentSize: number, averageSize: number): string {
    if (currentSize > averageSize) return '';
    const want = averageSize - currentSize;
    const delta = Math.round(want * 0.2);
    return this.text(want - delta + (delta === 0 ? 0 : this.rng.nextInt(2 * delta)));
  }

  private price(): number {
    return Math.round(10 ** (this.rng.nextDouble() * 6) * 100);
  }

  private nextPerson(id: number): number {
    const numPeople = lastPerson(id) + 1;
    const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
    return numPeople - active + this.rng.nextInt(active + PERSON_ID_LEAD);
  }

  private nextAuction(id: number): number {
    const max = lastAuction(id);
    const min = Math.max(max - NUM_IN_FLIGHT_AUCTIONS, 0);
    return min + this.rng.nextInt(max - min + 1 + AUCTION_ID_LEAD);
  }

  private baseUrl(r: Rng): string {
    const part = (): string => {
      let s = '';
      for (let i = 0; i < 5; i++) s += r.nextInt(13) === 0 ? '_' : String.fromCharCode(97 + r.nextInt(26));
      return s;
    };
    return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
  }

  /** A channel's url is fixed for the run (drawn from the seed and the channel number). */
  private channelUrl(channel: number): string {
    let url = this.channelUrls[channel];
    if (url === undefined) {
      const r = new Rng(0);
      r.reseed(this.seed ^ 0x27d4eb2f, channel);
      url = this.baseUrl(r);
      if (r.nextInt(10) > 0) url += `&channel_id=${Math.abs(reverseBits32(channel) | 0)}`;
      this.channelUrls[channel] = url;
    }
    return url;
  }

  private channelName(channel: number): string {
    let name = this.channelNames[channel];
    if (name === undefined) this.channelNames[channel] = name = `channel-${channel}`;
    return name;
  }

  private bid(id: number): Record<string, unknown> {
    const rng = this.rng;
    let auction = rng.nextInt(HOT_AUCTION_RATIO) > 0 ? Math.floor(lastAuction(id) / HOT_ID_SPACING) * HOT_ID_SPACING : this.nextAuction(id);
    auction += FIRST_AUCTION_ID;
    let bidder = rng.nextInt(HOT_BIDDER_RATIO) > 0 ? Math.floor(lastPerson(id) / HOT_ID_SPACING) * HOT_ID_SPACING + 1 : this.nextPerson(id);
    bidder += FIRST_PERSON_ID;
    const price = this.price();
    let channel: string;
    let url: string;
    if (rng.nextInt(HOT_CHANNEL_RATIO) > 0) {
      const i = rng.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = this.hotUrls[i]!;
    } else {
      const c = rng.nextInt(CHANNELS);
      channel = this.channelName(c);
      url = this.channelUrl(c);
    }
    const date_time = this.eventTime(id);
    // As Nexmark's generator: the size so far counts the four 8-byte fields only, so `extra`
    // fills a bid to about 100 bytes without the channel and url (about 68 characters).
    const extra = this.extra(32, AVG_BID_BYTES);
    return { auction, bidder, price, channel, url, date_time, extra };
  }

  private auction(id: number): Record<string, unknown> {
    const rng = this.rng;
    const auctionId = lastAuction(id) + FIRST_AUCTION_ID;
    let seller = rng.nextInt(HOT_SELLER_RATIO) > 0 ? Math.floor(lastPerson(id) / HOT_ID_SPACING) * HOT_ID_SPACING : this.nextPerson(id);
    seller += FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rng.nextInt(NUM_CATEGORIES);
    const initial_bid = this.price();
    const base = this.timestampMs(id);
    // Auctions last up to about twice the time it takes to open NUM_IN_FLIGHT_AUCTIONS more.
    const ahead = Math.floor((NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION) / AUCTION_PROPORTION);
    const horizon = this.timestampMs(id + ahead) - base;
    const expires = base + 1 + rng.nextInt(Math.max(horizon * 2, 1));
    const item_name = this.nextString(20);
    const description = this.nextString(100);
    const reserve = initial_bid + this.price();
    const date_time = this.eventTime(id);
    const extra = this.extra(48 + item_name.length + description.length, AVG_AUCTION_BYTES);
    return { id: auctionId, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra };
  }

  private person(id: number): Record<string, unknown> {
    const rng = this.rng;
    const personId = lastPerson(id) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[rng.nextInt(FIRST_NAMES.length)]!} ${LAST_NAMES[rng.nextInt(LAST_NAMES.length)]!}`;
    const email_address = `${this.nextString(7)}@${this.nextString(5)}.com`;
    const cc = (): string => String(rng.nextInt(10_000)).padStart(4, '0');
    const credit_card = `${cc()} ${cc()} ${cc()} ${cc()}`;
    const city = CITIES[rng.nextInt(CITIES.length)]!;
    const state = STATES[rng.nextInt(STATES.length)]!;
    const date_time = this.eventTime(id);
    const extra = this.extra(8 + name.length + email_address.length + credit_card.length + city.length + state.length, AVG_PERSON_BYTES);
    return { id: personId, name, email_address, credit_card, city, state, date_time, extra };
  }
}
