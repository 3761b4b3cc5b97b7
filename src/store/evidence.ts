/**
 * The tamper-evident evidence log: append-only, hash-chained, with Ed25519-signed checkpoints.
 *
 *   hash(n) = sha256( prevHash "\n" seq "\n" kind "\n" time "\n" canonicalJson(payload) )
 *
 * What verify can prove, and what it cannot without an external anchor:
 * - Modification, deletion, insertion and reordering of any record are detected (the seq numbers must
 *   run 1, 2, 3 … and every record must link to the hash of the one before and match its own hash).
 * - A rewrite that recomputes every hash after the change is detected when a signed checkpoint at or
 *   after the change no longer matches; records after the newest checkpoint (the "unsigned tail") can
 *   be rewritten or dropped undetected by someone with write access to the store, because sha256 is
 *   unkeyed. Truncation is detected when a surviving checkpoint covers a record that is gone.
 * - Someone who deletes the tail records *and* the checkpoints that cover them, who deletes the whole
 *   log, or who holds the private key, cannot be caught by the store alone: compare the head hash
 *   (printed by verify, pinned with --anchor SEQ:HASH) or a previous export against the current log,
 *   and pin the public key with --public-key rather than trusting the one beside the store.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify as verifySig, type KeyObject } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultDataDir, resolveStoreUrl } from './index.js';
import type { ChainHead, Checkpoint, EvidenceRecord, Store } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);
export const DEFAULT_CHECKPOINT_EVERY = 100;
export const EVIDENCE_KINDS = ['scan-summary', 'admission-decision', 'exception-change', 'case-transition', 'report-issued', 'note'] as const;
const KIND_RE = /^[a-z][a-z0-9._-]{0,63}$/;

/** JSON with object keys sorted at every level; no whitespace. Rejects values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot record a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
      const obj = (typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value) as Record<string, unknown>;
      if (obj !== value) return canonicalJson(obj);
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot record a ${typeof value} in evidence`);
  }
}

export function recordHash(prevHash: string, seq: number, kind: string, time: string, payload: unknown): string {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${kind}\n${time}\n${canonicalJson(payload)}`).digest('hex');
}

export function checkpointMessage(c: Pick<Checkpoint, 'seq' | 'hash' | 'time' | 'keyId'>): Buffer {
  return Buffer.from(`kubecomply-evidence-checkpoint/v1\n${c.seq}\n${c.hash}\n${c.time}\n${c.keyId}`);
}

// ---------------------------------------------------------------------------------------------- keys

export interface EvidenceKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  publicPem: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function publicKeyFromPem(pem: string): KeyObject {
  const k = createPublicKey(pem);
  if (k.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 public key (${k.asymmetricKeyType})`);
  return k;
}

/** $KUBECOMPLY_EVIDENCE_KEY, else evidence-ed25519.pem beside the SQLite file (or in the data directory). */
export function defaultKeyPath(storeUrl?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBECOMPLY_EVIDENCE_KEY) return path.resolve(env.KUBECOMPLY_EVIDENCE_KEY);
  const t = resolveStoreUrl(storeUrl, env);
  const dir = t.backend === 'sqlite' && t.file !== ':memory:' ? path.dirname(t.file) : defaultDataDir(env);
  return path.join(dir, 'evidence-ed25519.pem');
}

function keyFromPrivate(privateKey: KeyObject): EvidenceKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`evidence key is not Ed25519 (${privateKey.asymmetricKeyType})`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function loadKey(file: string): EvidenceKey {
  return keyFromPrivate(createPrivateKey(readFileSync(file)));
}

/** Loads the signing key, creating it (mode 0600, atomically: two processes agree on one key) on first use. */
export function loadOrCreateKey(file: string): EvidenceKey {
  try {
    return loadKey(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file); // fails with EEXIST when another process won the race
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  return loadKey(file);
}

export function signCheckpoint(head: ChainHead, key: EvidenceKey, time: string): Checkpoint {
  const base = { seq: head.seq, hash: head.hash, time, keyId: key.keyId };
  return { ...base, signature: sign(null, checkpointMessage(base), key.privateKey).toString('base64') };
}

// -------------------------------------------------------------------------------------------- append

export interface AppendOptions {
  key: EvidenceKey;
  /** Sign a checkpoint when seq is a multiple of this (default 100). */
  checkpointEvery?: number;
  now?: () => Date;
}

async function publishKey(store: Store, key: EvidenceKey): Promise<void> {
  const k = `evidence.publicKey.${key.keyId}`;
  if ((await store.getValue(k)) === undefined) await store.setValue(k, key.publicPem);
}

/** Appends one record atomically (the head is locked while the next seq and hash are computed). */
export async function appendEvidence(store: Store, kind: string, payload: unknown, opts: AppendOptions): Promise<EvidenceRecord> {
  if (!KIND_RE.test(kind)) throw new Error(`evidence kind must be a lowercase slug (got ${JSON.stringify(kind)})`);
  const normalized: unknown = JSON.parse(canonicalJson(payload));
  const every = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const now = opts.now ?? (() => new Date());
  await publishKey(store, opts.key);
  return store.appendEvidence((head) => {
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const time = now().toISOString();
    const record: EvidenceRecord = { seq, kind, time, payload: normalized, prevHash, hash: recordHash(prevHash, seq, kind, time, normalized) };
    const checkpoint = every > 0 && seq % every === 0 ? signCheckpoint(record, opts.key, time) : undefined;
    return checkpoint ? { record, checkpoint } : { record };
  });
}

/** Signs a checkpoint at the current head (no-op when the log is empty or the head is already signed). */
export async function checkpointHead(store: Store, key: EvidenceKey, now: () => Date = () => new Date()): Promise<Checkpoint | undefined> {
  const head = await store.headEvidence();
  if (!head) return undefined;
  await publishKey(store, key);
  const cp = signCheckpoint(head, key, now().toISOString());
  await store.addCheckpoint(cp);
  return (await store.listCheckpoints()).find((c) => c.seq === head.seq);
}

// -------------------------------------------------------------------------------------------- verify

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  head?: ChainHead;
  /** The newest checkpoint whose signature verified. */
  lastCheckpoint?: Checkpoint;
  /** Records after the newest valid checkpoint: protected only by the chain, not by a signature. */
  unsignedTail: number;
  firstBroken?: { seq: number; reason: string };
}

export interface VerifyOptions {
  /** Trusted public keys; a checkpoint signed by any other key is a failure. */
  publicKeys: KeyObject[];
  /** Require the last record to be covered by a checkpoint (exports are sealed at export time). */
  requireSealedHead?: boolean;
  /** External anchors: record seq must exist with this hash. */
  anchors?: ChainHead[];
}

const short = (h: string): string => `${h.slice(0, 16)}…`;

/** Checks a log (records in stored order) and its checkpoints; names the first broken record. */
export function verifyEvidence(records: EvidenceRecord[], checkpoints: Checkpoint[], opts: VerifyOptions): VerifyResult {
  const problems: { seq: number; reason: string }[] = [];
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (const r of records) {
    if (r.seq !== expected) {
      problems.push(
        r.seq > expected
          ? { seq: expected, reason: `record ${expected} is missing${r.seq > expected + 1 ? ` (records ${expected}..${r.seq - 1})` : ''}: deleted` }
          : { seq: r.seq, reason: `record ${r.seq} appears after record ${expected - 1}: inserted, duplicated or reordered` },
      );
      break;
    }
    if (r.prevHash !== prevHash) {
      problems.push({
        seq: r.seq,
        reason: `link broken: prevHash ${short(r.prevHash)} is not the hash of record ${r.seq - 1} (${short(prevHash)}): record ${r.seq - 1} was altered and rehashed, or a record was inserted, removed or moved here`,
      });
      break;
    }
    let h: string;
    try {
      h = recordHash(r.prevHash, r.seq, r.kind, r.time, r.payload);
    } catch {
      h = '';
    }
    if (h !== r.hash) {
      problems.push({ seq: r.seq, reason: `contents do not match the record's hash: record ${r.seq} was modified` });
      break;
    }
    prevHash = r.hash;
    expected++;
  }

  const bySeq = new Map(records.map((r) => [r.seq, r.hash] as const));
  const last = records.length ? records[records.length - 1] : undefined;
  const lastSeq = last?.seq ?? 0;
  const trusted = new Map(opts.publicKeys.map((k) => [keyIdOf(k), k] as const));
  let lastGood: Checkpoint | undefined;
  let prevCpSeq = 0;
  for (const c of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    const key = trusted.get(c.keyId);
    if (!key) {
      problems.push({ seq: c.seq, reason: `checkpoint at record ${c.seq} is signed by an untrusted key ${short(c.keyId)}` });
      continue;
    }
    let sigOk = false;
    try {
      sigOk = verifySig(null, checkpointMessage(c), key, Buffer.from(c.signature, 'base64'));
    } catch {
      sigOk = false;
    }
    if (!sigOk) {
      problems.push({ seq: c.seq, reason: `checkpoint at record ${c.seq} has an invalid signature: the checkpoint was altered` });
      continue;
    }
    const h = bySeq.get(c.seq);
    if (h === undefined) {
      problems.push(
        c.seq > lastSeq
          ? { seq: lastSeq + 1, reason: `log truncated: a signed checkpoint covers record ${c.seq} (${short(c.hash)}) but the log ends at record ${lastSeq}` }
          : { seq: c.seq, reason: `record ${c.seq}, covered by a signed checkpoint, is missing` },
      );
      continue;
    }
    if (h !== c.hash) {
      problems.push({
        seq: c.seq,
        reason: `record ${c.seq} does not match its signed checkpoint (${short(c.hash)}): records ${prevCpSeq + 1}..${c.seq} were rewritten`,
      });
      continue;
    }
    lastGood = c;
    prevCpSeq = c.seq;
  }
  for (const a of opts.anchors ?? []) {
    const h = bySeq.get(a.seq);
    if (h === undefined) problems.push({ seq: Math.min(a.seq, lastSeq + 1), reason: `anchored record ${a.seq} is missing: the log was truncated` });
    else if (h !== a.hash) problems.push({ seq: a.seq, reason: `record ${a.seq} does not match the anchor ${short(a.hash)}: the log was rewritten` });
  }
  if (opts.requireSealedHead && last && (lastGood?.seq ?? 0) < last.seq && problems.length === 0) {
    problems.push({ seq: (lastGood?.seq ?? 0) + 1, reason: `records ${(lastGood?.seq ?? 0) + 1}..${last.seq} are not covered by a signed checkpoint (an export ends with one)` });
  }
  problems.sort((a, b) => a.seq - b.seq);
  const result: VerifyResult = {
    ok: problems.length === 0,
    records: records.length,
    checkpoints: checkpoints.length,
    unsignedTail: lastSeq - (lastGood?.seq ?? 0),
  };
  if (last) result.head = { seq: last.seq, hash: last.hash };
  if (lastGood) result.lastCheckpoint = lastGood;
  if (problems.length) result.firstBroken = problems[0];
  return result;
}

/** Reads the whole log and its checkpoints from a store and verifies them. */
export async function verifyStore(store: Store, opts: VerifyOptions): Promise<VerifyResult> {
  return verifyEvidence(await store.listEvidence(), await store.listCheckpoints(), opts);
}

/** Public keys the store itself publishes (written by every signer); weaker trust than a pinned key. */
export async function storedPublicKeys(store: Store, keyIds: string[]): Promise<KeyObject[]> {
  const out: KeyObject[] = [];
  for (const id of new Set(keyIds)) {
    const pem = await store.getValue(`evidence.publicKey.${id}`);
    if (pem) out.push(publicKeyFromPem(pem));
  }
  return out;
}

// -------------------------------------------------------------------------------------------- export

/** JSON lines: one {"type":"record",…} per line in seq order, then one {"type":"checkpoint",…} per line. */
export function* exportLines(records: EvidenceRecord[], checkpoints: Checkpoint[]): Generator<string> {
  for (const r of records) yield `${canonicalJson({ type: 'record', ...r })}\n`;
  for (const c of checkpoints) yield `${canonicalJson({ type: 'checkpoint', ...c })}\n`;
}

export interface ParsedExport {
  records: EvidenceRecord[];
  checkpoints: Checkpoint[];
}

/** Parses an export; a line that is not a record or checkpoint is an error naming its line number. */
export function parseExport(text: string): ParsedExport {
  const records: EvidenceRecord[] = [];
  const checkpoints: Checkpoint[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (o === null || typeof o !== 'object') throw new Error(`line ${i + 1}: not a JSON object`);
    const str = (k: string): string => {
      if (typeof o[k] !== 'string') throw new Error(`line ${i + 1}: "${k}" must be a string`);
      return o[k] as string;
    };
    const num = (k: string): number => {
      if (typeof o[k] !== 'number' || !Number.isInteger(o[k])) throw new Error(`line ${i + 1}: "${k}" must be an integer`);
      return o[k] as number;
    };
    if (o.type === 'record') {
      records.push({ seq: num('seq'), kind: str('kind'), time: str('time'), payload: o.payload ?? null, prevHash: str('prevHash'), hash: str('hash') });
    } else if (o.type === 'checkpoint') {
      checkpoints.push({ seq: num('seq'), hash: str('hash'), time: str('time'), keyId: str('keyId'), signature: str('signature') });
    } else {
      throw new Error(`line ${i + 1}: "type" must be "record" or "checkpoint"`);
    }
  });
  return { records, checkpoints };
}

export type SealedExport =
  | { ok: true; records: EvidenceRecord[]; checkpoints: Checkpoint[]; head?: ChainHead; text: string }
  | { ok: false; broken: { seq: number; reason: string } };

/**
 * What "kubecomply evidence export" writes: the log is verified first (with `key` and the keys the store
 * publishes) — a broken log is never sealed — then its head is signed with `key`, and the records and
 * checkpoints are returned as export lines.
 */
export async function sealedExport(store: Store, key: EvidenceKey): Promise<SealedExport> {
  const existing = await store.listCheckpoints();
  const keys = [key.publicKey, ...(await storedPublicKeys(store, existing.map((c) => c.keyId)))];
  const before = verifyEvidence(await store.listEvidence(), existing, { publicKeys: keys });
  if (!before.ok) return { ok: false, broken: before.firstBroken! };
  await checkpointHead(store, key);
  const records = await store.listEvidence();
  const checkpoints = await store.listCheckpoints();
  const last = records.length ? records[records.length - 1] : undefined;
  return { ok: true, records, checkpoints, ...(last ? { head: { seq: last.seq, hash: last.hash } } : {}), text: [...exportLines(records, checkpoints)].join('') };
}
