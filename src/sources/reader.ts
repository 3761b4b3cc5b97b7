/**
 * Reads a byte stream as UTF-8 text in chunks, reporting the lines of byte sequences that are not
 * valid UTF-8 instead of silently replacing them.
 */
import { isUtf8 } from 'node:buffer';

export interface TextSink {
  /** Called before `text` is delivered, for every line that holds invalid UTF-8 in it. */
  invalidUtf8(line: number, byteOffset: number): void;
  text(chunk: string): void | Promise<void>;
}

/** Length of the UTF-8 sequence a lead byte starts, or 0 for a continuation/invalid byte. */
function seqLen(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b < 0xe0) return 2;
  if (b >= 0xe0 && b < 0xf0) return 3;
  if (b >= 0xf0 && b < 0xf5) return 4;
  return 0;
}

/** Offsets of the start of every invalid sequence in `buf` (a strict decoder's view). */
export function invalidUtf8Offsets(buf: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = seqLen(b);
    let ok = len > 1 && i + len <= n;
    if (ok) {
      for (let k = 1; k < len; k++) {
        if ((buf[i + k] & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      // overlong / surrogate / out-of-range checks for 3- and 4-byte forms
      const b1 = buf[i + 1];
      if (len === 3 && ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0))) ok = false;
      if (len === 4 && ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90))) ok = false;
    }
    if (ok) {
      i += len;
    } else {
      out.push(i);
      i++;
    }
  }
  return out;
}

/** Number of bytes at the end of `buf` that start an incomplete (possibly valid) sequence. */
function incompleteTail(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte, keep looking for the lead
    const len = seqLen(b);
    return len > back ? back : 0;
  }
  return 0;
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i >= 0 && i < end) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/** Streams `input` into `sink` as text. Returns the number of bytes read. */
export async function readText(input: AsyncIterable<unknown>, sink: TextSink): Promise<number> {
  let carry: Buffer | undefined;
  let linesBefore = 0; // newlines in the bytes already delivered
  let offsetBefore = 0;
  let first = true;
  let total = 0;
  for await (const raw of input) {
    const chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : (raw as Buffer);
    total += chunk.length;
    let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    const tail = incompleteTail(buf);
    carry = tail > 0 ? Buffer.from(buf.subarray(buf.length - tail)) : undefined;
    if (tail > 0) buf = buf.subarray(0, buf.length - tail);
    await deliver(buf);
  }
  if (carry) await deliver(carry); // a truncated sequence at the end of the stream is invalid
  return total;

  async function deliver(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    if (!isUtf8(buf)) {
      for (const off of invalidUtf8Offsets(buf)) {
        sink.invalidUtf8(linesBefore + countNewlines(buf, off) + 1, offsetBefore + off);
      }
    }
    let s = buf.toString('utf8');
    if (first) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    linesBefore += countNewlines(buf, buf.length);
    offsetBefore += buf.length;
    await sink.text(s);
  }
}
