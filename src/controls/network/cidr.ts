/**
 * CIDR arithmetic for the network controls: how much of the public (globally routable) IPv4 and IPv6
 * address space a set of CIDR blocks (each with its `except` holes) covers.
 *
 * "Reaches everywhere" is decided on that share rather than on the literal text `0.0.0.0/0`:
 *  - `0.0.0.0/0 except [10.0.0.0/8, 169.254.169.254/32]` still reaches the whole internet (excepting
 *    private or link-local ranges takes nothing public away);
 *  - `0.0.0.0/1` + `128.0.0.0/1` (the usual way around a literal `/0` check) reaches it too;
 *  - a block list that covers at least half of the public space of a family is treated as
 *    "everywhere" (WIDE_SHARE): nobody can enumerate the legitimate peers of such a rule.
 * Invalid CIDRs (which the API server rejects) contribute nothing.
 */

export interface Cidr {
  v6: boolean;
  /** First and last address, inclusive. Host bits of the text are masked off, as the network plugins do. */
  start: bigint;
  end: bigint;
  prefix: number;
}

type Interval = readonly [bigint, bigint];

const V4_BITS = 32;
const V6_BITS = 128;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (s.length === 0 || s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return undefined;
  let n = 0n;
  for (const g of all) n = (n << 16n) | BigInt(g);
  return n;
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; undefined when it is not one (the API server would reject it). */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const prefix = Number(bitsText);
  const v6 = addr.includes(':');
  const width = v6 ? V6_BITS : V4_BITS;
  if (prefix > width) return undefined;
  const n = v6 ? parseV6(addr) : parseV4(addr);
  if (n === undefined) return undefined;
  const hostBits = BigInt(width - prefix);
  const size = 1n << hostBits;
  const start = (n >> hostBits) << hostBits;
  return { v6, start, end: start + size - 1n, prefix };
}

function merge(list: Interval[]): Interval[] {
  if (list.length <= 1) return list;
  const sorted = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [[sorted[0][0], sorted[0][1]]];
  for (let i = 1; i < sorted.length; i++) {
    const last = out[out.length - 1];
    const [s, e] = sorted[i];
    if (s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

/** `from` minus the union of `holes` (both merged or not). */
function subtract(from: Interval[], holes: Interval[]): Interval[] {
  if (holes.length === 0) return from;
  const h = merge(holes);
  const out: Interval[] = [];
  for (const [s0, e] of merge(from)) {
    let s = s0;
    for (const [hs, he] of h) {
      if (he < s || hs > e) continue;
      if (hs > s) out.push([s, hs - 1n]);
      s = he + 1n;
      if (s > e) break;
    }
    if (s <= e) out.push([s, e]);
  }
  return out;
}

function size(list: Interval[]): bigint {
  let n = 0n;
  for (const [s, e] of list) n += e - s + 1n;
  return n;
}

function intervalsOf(texts: readonly string[]): Interval[] {
  return texts.map((t) => {
    const c = parseCidr(t)!;
    return [c.start, c.end] as Interval;
  });
}

/** IANA special-purpose IPv4 ranges (RFC 6890 and successors): not reachable on the public internet. */
const V4_SPECIAL = intervalsOf([
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '224.0.0.0/4', '240.0.0.0/4',
]);
const V4_PUBLIC = subtract([[0n, (1n << 32n) - 1n]], V4_SPECIAL);
/** IPv6 global unicast (2000::/3) without the documentation prefix. */
const V6_PUBLIC = subtract(intervalsOf(['2000::/3']), intervalsOf(['2001:db8::/32']));
const V4_PUBLIC_SIZE = size(V4_PUBLIC);
const V6_PUBLIC_SIZE = size(V6_PUBLIC);

function intersectSize(a: Interval[], b: Interval[]): bigint {
  let n = 0n;
  for (const [as, ae] of a) {
    for (const [bs, be] of b) {
      const s = as > bs ? as : bs;
      const e = ae < be ? ae : be;
      if (s <= e) n += e - s + 1n;
    }
  }
  return n;
}

/** An address block: a CIDR with the holes taken out of it (a NetworkPolicy ipBlock, or a plain CIDR). */
export interface Block {
  cidr: unknown;
  except?: unknown;
}

export interface Reach {
  /** Share (0–1) of the public IPv4 / IPv6 address space the blocks cover. */
  v4: number;
  v6: number;
  /** True when either share is at least WIDE_SHARE. */
  wide: boolean;
}

/** At least this share of a family's public address space counts as "everywhere". */
export const WIDE_SHARE = 0.5;

const cache = new Map<string, Reach>();

function cacheKey(blocks: readonly Block[]): string | undefined {
  const parts: unknown[] = [];
  for (const b of blocks) {
    if (typeof b.cidr !== 'string') return undefined;
    parts.push(b.cidr, Array.isArray(b.except) ? b.except.map((x) => (typeof x === 'string' ? x : null)) : null);
  }
  const key = JSON.stringify(parts);
  return key.length <= 1024 ? key : undefined;
}

/** How much of the public address space the union of `blocks` covers. Never throws. Results are cached by text. */
export function reach(blocks: readonly Block[]): Reach {
  const key = cacheKey(blocks);
  if (key !== undefined) {
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const r = computeReach(blocks);
  if (key !== undefined) {
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, r);
  }
  return r;
}

function computeReach(blocks: readonly Block[]): Reach {
  const v4: Interval[] = [];
  const v6: Interval[] = [];
  for (const b of blocks) {
    const c = parseCidr(b.cidr);
    if (!c) continue;
    const holes: Interval[] = [];
    if (Array.isArray(b.except)) {
      for (const x of b.except) {
        const h = parseCidr(x);
        if (h && h.v6 === c.v6) holes.push([h.start, h.end]);
      }
    }
    (c.v6 ? v6 : v4).push(...subtract([[c.start, c.end]], holes));
  }
  const s4 = v4.length ? intersectSize(merge(v4), V4_PUBLIC) : 0n;
  const s6 = v6.length ? intersectSize(merge(v6), V6_PUBLIC) : 0n;
  const share = (n: bigint, total: bigint): number => Number((n * 1_000_000n) / total) / 1_000_000;
  const r4 = share(s4, V4_PUBLIC_SIZE);
  const r6 = share(s6, V6_PUBLIC_SIZE);
  return { v4: r4, v6: r6, wide: r4 >= WIDE_SHARE || r6 >= WIDE_SHARE };
}

/** "100% of the public IPv4 address space" — the larger of the two shares, for messages. */
export function describeReach(r: Reach): string {
  const fam = r.v6 > r.v4 ? 'IPv6' : 'IPv4';
  const share = Math.max(r.v4, r.v6);
  const pct = share >= 1 ? '100' : share >= 0.99 ? '>99' : String(Math.round(share * 100));
  return `${pct}% of the public ${fam} address space`;
}
