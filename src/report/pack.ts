/**
 * Evidence packs: one tar.gz an auditor can take away and check offline.
 *
 *   pack.json                      what is in it: tool, time, scan, frameworks, signing key id
 *   reports/<framework>.{html,md,json}
 *   findings.json                  the scan as recorded: { scan, findings, objects } (its summary hash recomputes)
 *   sbom/<file>                    SBOMs given with --sbom, byte for byte
 *   evidence/evidence.jsonl        the evidence-log export (the format of "kubecomply evidence export")
 *   public-key.pem                 the evidence key's Ed25519 public key
 *   MANIFEST.sha256                "<sha256>  <path>" per file above, sorted (sha256sum -c reads it)
 *   MANIFEST.sha256.sig            base64 Ed25519 signature over the exact bytes of MANIFEST.sha256
 *
 * verifyPack checks, in this order, and names the first problem: the archive is a readable tar.gz of
 * plain files with safe, unique names; the manifest, signature and key are there; the signature verifies
 * (with a pinned key when given); every file listed is present and hashes as listed, and nothing else is
 * in the archive; the evidence export's chain is intact and sealed by the same key; findings.json still
 * hashes to the summary its "scan recorded" evidence record carries.
 */
import { createHash, sign, verify as verifySig, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { keyIdOf, parseExport, publicKeyFromPem, verifyEvidence, type EvidenceKey } from '../store/evidence.js';
import { recordVouchesFor, verifyScanSummary } from '../store/scans.js';
import type { ScanFindingRecord, ScanObjectRecord, ScanRecord } from '../store/types.js';

export const PACK_SCHEMA = 'kubecomply.io/evidence-pack/v1';
export const MANIFEST = 'MANIFEST.sha256';
export const SIGNATURE = 'MANIFEST.sha256.sig';
export const PUBLIC_KEY = 'public-key.pem';
export const EVIDENCE_EXPORT = 'evidence/evidence.jsonl';
export const FINDINGS = 'findings.json';
export const INDEX = 'pack.json';

export interface PackFile {
  name: string;
  data: Buffer;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Names inside the pack: relative, forward slashes, no "..", no characters sha256sum would escape. */
export function checkPackName(name: string): string | undefined {
  if (name === '' || name.startsWith('/') || name.includes('\\') || /[\n\r\0]/.test(name)) return 'not a safe relative path';
  if (name.split('/').some((p) => p === '' || p === '.' || p === '..')) return 'not a safe relative path';
  return undefined;
}

/** A file name reduced to letters, digits, dot, dash and underscore. */
export function safeBaseName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const s = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return s === '' ? 'file' : s;
}

export function manifestOf(files: readonly PackFile[]): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${sha256(f.data)}  ${f.name}\n`)
    .join('');
}

/** Builds the signed tar.gz (files: everything but the manifest, signature and public key). */
export async function writePack(files: readonly PackFile[], key: EvidenceKey, mtime: Date): Promise<Buffer> {
  const all: PackFile[] = [...files, { name: PUBLIC_KEY, data: Buffer.from(key.publicPem) }];
  const seen = new Set<string>();
  for (const f of all) {
    const bad = checkPackName(f.name);
    if (bad) throw new Error(`pack file name ${JSON.stringify(f.name)}: ${bad}`);
    if (f.name === MANIFEST || f.name === SIGNATURE) throw new Error(`pack file name ${f.name} is reserved`);
    if (seen.has(f.name)) throw new Error(`pack file ${f.name} given twice`);
    seen.add(f.name);
  }
  const manifest = Buffer.from(manifestOf(all));
  const signature = Buffer.from(`${sign(null, manifest, key.privateKey).toString('base64')}\n`);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const dirs = new Set<string>();
  for (const f of [...all, { name: MANIFEST, data: manifest }, { name: SIGNATURE, data: signature }]) {
    const parts = f.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: `${d}/`, type: 'directory', mode: 0o755, mtime });
    }
    pack.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime }, f.data);
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

// -------------------------------------------------------------------------------------------- verify

export type PackProblemKind =
  | 'unreadable'
  | 'unsafe-entry'
  | 'duplicate-entry'
  | 'missing-manifest'
  | 'bad-manifest'
  | 'missing-signature'
  | 'missing-public-key'
  | 'bad-signature'
  | 'untrusted-key'
  | 'missing-file'
  | 'modified-file'
  | 'extra-file'
  | 'bad-evidence'
  | 'bad-findings';

export interface PackProblem {
  kind: PackProblemKind;
  file?: string;
  message: string;
}

export interface PackVerifyResult {
  ok: boolean;
  files: number;
  keyId?: string;
  /** True when the signature was checked against a key given by the verifier rather than the one inside. */
  pinned: boolean;
  index?: Record<string, unknown>;
  evidence?: { records: number; checkpoints: number; head?: { seq: number; hash: string } };
  problems: PackProblem[];
}

interface Entry {
  name: string;
  sha256: string;
  size: number;
  /** Kept for the files verification reads. */
  data?: Buffer;
}

const KEEP = new Set([MANIFEST, SIGNATURE, PUBLIC_KEY, EVIDENCE_EXPORT, FINDINGS, INDEX]);
const MAX_KEPT = 512 * 1024 * 1024;

async function readEntries(archive: Buffer, problems: PackProblem[]): Promise<Map<string, Entry> | undefined> {
  const entries = new Map<string, Entry>();
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const name = h.name.replace(/^(\.\/)+/, '');
      if (h.type === 'directory') {
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        problems.push({ kind: 'unsafe-entry', file: name, message: `${name}: a ${h.type} entry (a pack holds plain files only)` });
        entry.resume();
        continue;
      }
      const bad = checkPackName(name);
      if (bad) problems.push({ kind: 'unsafe-entry', file: name, message: `${JSON.stringify(name)}: ${bad}` });
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      let size = 0;
      for await (const c of entry as AsyncIterable<Buffer>) {
        hash.update(c);
        size += c.length;
        if (KEEP.has(name) && size <= MAX_KEPT) kept.push(c);
      }
      if (entries.has(name)) problems.push({ kind: 'duplicate-entry', file: name, message: `${name} appears twice in the archive` });
      entries.set(name, { name, sha256: hash.digest('hex'), size, ...(KEEP.has(name) && size <= MAX_KEPT ? { data: Buffer.concat(kept) } : {}) });
    }
  })();
  try {
    await Promise.all([pipeline(Readable.from([archive]), createGunzip(), extract), reading]);
  } catch (e) {
    problems.push({ kind: 'unreadable', message: `not a readable tar.gz: ${(e as Error).message}` });
    return undefined;
  }
  return entries;
}

const MANIFEST_LINE = /^([0-9a-f]{64}) [ *](.+)$/;

/** Verifies a pack; `publicKey` pins the key the manifest must be signed with. */
export async function verifyPack(archive: Buffer, opts: { publicKey?: KeyObject } = {}): Promise<PackVerifyResult> {
  const problems: PackProblem[] = [];
  const result: PackVerifyResult = { ok: false, files: 0, pinned: opts.publicKey !== undefined, problems };
  const done = (): PackVerifyResult => {
    result.ok = problems.length === 0;
    return result;
  };
  const entries = await readEntries(archive, problems);
  if (!entries || problems.length > 0) return done();
  result.files = entries.size;

  const manifest = entries.get(MANIFEST);
  const sig = entries.get(SIGNATURE);
  const pem = entries.get(PUBLIC_KEY);
  if (!manifest?.data) problems.push({ kind: 'missing-manifest', file: MANIFEST, message: `${MANIFEST} is missing: nothing says what the pack holds` });
  if (!sig?.data) problems.push({ kind: 'missing-signature', file: SIGNATURE, message: `${SIGNATURE} is missing: the manifest is not signed` });
  if (!pem?.data && !opts.publicKey) problems.push({ kind: 'missing-public-key', file: PUBLIC_KEY, message: `${PUBLIC_KEY} is missing and no --public-key was given` });
  if (problems.length > 0) return done();

  // The signature over the manifest.
  let packKey: KeyObject | undefined;
  if (pem?.data) {
    try {
      packKey = publicKeyFromPem(pem.data.toString('utf8'));
    } catch (e) {
      problems.push({ kind: 'bad-signature', file: PUBLIC_KEY, message: `${PUBLIC_KEY} is not an Ed25519 public key: ${(e as Error).message}` });
      return done();
    }
  }
  const key = opts.publicKey ?? packKey!;
  result.keyId = keyIdOf(key);
  if (opts.publicKey && packKey && keyIdOf(packKey) !== keyIdOf(opts.publicKey)) {
    problems.push({
      kind: 'untrusted-key',
      file: PUBLIC_KEY,
      message: `the pack carries key ${keyIdOf(packKey).slice(0, 16)}…, not the pinned key ${keyIdOf(opts.publicKey).slice(0, 16)}…: it was signed by someone else`,
    });
  }
  let sigOk = false;
  try {
    sigOk = verifySig(null, manifest!.data!, key, Buffer.from(sig!.data!.toString('utf8').trim(), 'base64'));
  } catch {
    sigOk = false;
  }
  if (!sigOk) {
    problems.push({ kind: 'bad-signature', file: SIGNATURE, message: `the signature in ${SIGNATURE} does not verify over ${MANIFEST} with key ${result.keyId.slice(0, 16)}…: the manifest or the signature was altered` });
  }
  if (problems.length > 0) return done();

  // Every listed file present and unchanged; nothing unlisted.
  const listed = new Map<string, { sha256: string; line: number }>();
  const lines = manifest!.data!.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((l, i) => {
    const m = MANIFEST_LINE.exec(l);
    if (!m) {
      problems.push({ kind: 'bad-manifest', file: MANIFEST, message: `${MANIFEST} line ${i + 1}: expected "<64 hex digits>  <path>"` });
      return;
    }
    const bad = checkPackName(m[2]);
    if (bad || m[2] === MANIFEST || m[2] === SIGNATURE) problems.push({ kind: 'bad-manifest', file: MANIFEST, message: `${MANIFEST} line ${i + 1}: ${JSON.stringify(m[2])} ${bad ?? 'cannot be listed'}` });
    else if (listed.has(m[2])) problems.push({ kind: 'bad-manifest', file: MANIFEST, message: `${MANIFEST} line ${i + 1}: ${m[2]} listed twice` });
    else listed.set(m[2], { sha256: m[1], line: i + 1 });
  });
  if (problems.length > 0) return done();
  for (const [name, want] of listed) {
    const got = entries.get(name);
    if (!got) problems.push({ kind: 'missing-file', file: name, message: `missing file: ${name} (listed on ${MANIFEST} line ${want.line}) is not in the pack` });
    else if (got.sha256 !== want.sha256) problems.push({ kind: 'modified-file', file: name, message: `modified file: ${name} has sha256 ${got.sha256.slice(0, 16)}…, the manifest says ${want.sha256.slice(0, 16)}…` });
  }
  for (const name of [...entries.keys()].sort()) {
    if (name !== MANIFEST && name !== SIGNATURE && !listed.has(name)) problems.push({ kind: 'extra-file', file: name, message: `extra file: ${name} is in the pack but not in ${MANIFEST}` });
  }
  if (problems.length > 0) return done();

  // The evidence export: intact, sealed, signed by the pack's key.
  const idx = entries.get(INDEX)?.data;
  if (idx) {
    try {
      result.index = JSON.parse(idx.toString('utf8')) as Record<string, unknown>;
    } catch {
      /* listed and hashed: its form is the writer's business */
    }
  }
  const ex = entries.get(EVIDENCE_EXPORT);
  let records: ReturnType<typeof parseExport>['records'] = [];
  if (!ex?.data) problems.push({ kind: 'bad-evidence', file: EVIDENCE_EXPORT, message: `${EVIDENCE_EXPORT} is not in the pack` });
  else {
    let parsed;
    try {
      parsed = parseExport(ex.data.toString('utf8'));
    } catch (e) {
      problems.push({ kind: 'bad-evidence', file: EVIDENCE_EXPORT, message: `${EVIDENCE_EXPORT}: ${(e as Error).message}` });
    }
    if (parsed) {
      records = parsed.records;
      const v = verifyEvidence(parsed.records, parsed.checkpoints, { publicKeys: [key], requireSealedHead: true });
      result.evidence = { records: v.records, checkpoints: v.checkpoints, ...(v.head ? { head: v.head } : {}) };
      if (!v.ok) problems.push({ kind: 'bad-evidence', file: EVIDENCE_EXPORT, message: `${EVIDENCE_EXPORT}: evidence chain broken at record ${v.firstBroken!.seq}: ${v.firstBroken!.reason}` });
    }
  }
  if (problems.length > 0) return done();

  // The raw findings: they still hash to the summary their evidence record carries.
  const fj = entries.get(FINDINGS)?.data;
  if (fj) {
    let doc: { scan?: ScanRecord; findings?: ScanFindingRecord[]; objects?: ScanObjectRecord[] } | undefined;
    try {
      doc = JSON.parse(fj.toString('utf8')) as typeof doc;
    } catch (e) {
      problems.push({ kind: 'bad-findings', file: FINDINGS, message: `${FINDINGS} is not JSON: ${(e as Error).message}` });
    }
    if (doc) {
      if (!doc.scan || !Array.isArray(doc.findings) || !Array.isArray(doc.objects)) {
        problems.push({ kind: 'bad-findings', file: FINDINGS, message: `${FINDINGS}: expected {scan, findings, objects}` });
      } else if (!verifyScanSummary(doc.scan, doc.findings, doc.objects)) {
        problems.push({ kind: 'bad-findings', file: FINDINGS, message: `${FINDINGS}: the findings and objects do not hash to the scan's summary hash ${String(doc.scan.summaryHash).slice(0, 16)}…` });
      } else if (doc.scan.evidence) {
        if (!recordVouchesFor(doc.scan, records.find((r) => r.seq === doc.scan!.evidence!.seq))) {
          problems.push({ kind: 'bad-findings', file: FINDINGS, message: `${FINDINGS}: scan ${doc.scan.id}'s evidence record ${doc.scan.evidence.seq} is not in ${EVIDENCE_EXPORT} with that hash and summary` });
        }
      }
    }
  }
  return done();
}
