/**
 * Content digests (`algorithm:hex`) and their verification, for whole buffers and for streams: a blob
 * is hashed as it flows to the caller, and the stream fails at its end when the content was not what
 * was asked for — so nothing downstream trusts unverified bytes without hearing about it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const HASHES: Readonly<Record<string, { node: string; hexLength: number }>> = {
  sha256: { node: 'sha256', hexLength: 64 },
  sha384: { node: 'sha384', hexLength: 96 },
  sha512: { node: 'sha512', hexLength: 128 },
};

const DIGEST_RE = /^([a-z0-9]+):([a-f0-9]+)$/;

/** Splits and validates a digest; undefined when it is malformed or of an unsupported algorithm. */
export function parseDigest(d: string): { algorithm: string; hex: string } | undefined {
  const m = DIGEST_RE.exec(d);
  if (!m) return undefined;
  const spec = HASHES[m[1]!];
  if (!spec || m[2]!.length !== spec.hexLength) return undefined;
  return { algorithm: m[1]!, hex: m[2]! };
}

export function isDigest(d: string): boolean {
  return parseDigest(d) !== undefined;
}

/** The digest of `data` with `algorithm` (sha256 by default). */
export function digestOf(data: Uint8Array | string, algorithm = 'sha256'): string {
  const spec = HASHES[algorithm];
  if (!spec) throw new Error(`unsupported digest algorithm ${JSON.stringify(algorithm)}`);
  return `${algorithm}:${createHash(spec.node).update(data).digest('hex')}`;
}

/** Computes `data`'s digest in the algorithm of `expected` and compares. */
export function matchesDigest(data: Uint8Array, expected: string): boolean {
  const p = parseDigest(expected);
  return p !== undefined && digestOf(data, p.algorithm) === expected;
}

export class DigestMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly expectedSize: number | undefined,
    readonly actualSize: number,
  ) {
    super(
      expectedSize !== undefined && actualSize !== expectedSize
        ? `content is ${actualSize} bytes, expected ${expectedSize} (${actualSize < expectedSize ? 'short read' : 'too long'}); digest ${actual}, expected ${expected}`
        : `content digest ${actual} does not match the expected ${expected}`,
    );
    this.name = 'DigestMismatch';
  }
}

/**
 * A pass-through stream that hashes what flows through it and, at the end, errors with DigestMismatch
 * when the digest or the byte count differs from what was expected. It also stops early when more
 * bytes arrive than the expected size (a registry must not be able to make us read without bound).
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private readonly algorithm: string;
  private bytes = 0;

  constructor(
    private readonly expected: string,
    private readonly expectedSize?: number,
  ) {
    super();
    const p = parseDigest(expected);
    if (!p) throw new Error(`invalid digest ${JSON.stringify(expected)}`);
    this.algorithm = p.algorithm;
    this.hash = createHash(HASHES[p.algorithm]!.node);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      cb(new DigestMismatch(this.expected, '(not computed: content exceeds the expected size)', this.expectedSize, this.bytes));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected || (this.expectedSize !== undefined && this.bytes !== this.expectedSize)) {
      cb(new DigestMismatch(this.expected, actual, this.expectedSize, this.bytes));
      return;
    }
    cb();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.bytes;
  }
}
