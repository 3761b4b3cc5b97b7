import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { KeyObject } from 'node:crypto';
import {
  appendEvidence,
  defaultKeyPath,
  exportLines,
  sealedExport,
  loadKey,
  parseExport,
  publicKeyFromPem,
  storedPublicKeys,
  verifyEvidence,
  type VerifyResult,
} from '../store/evidence.js';
import type { ChainHead, EvidenceRecord, Store } from '../store/types.js';
import { evidenceKey, STORE_HELP, withCliStore } from './history.js';
import { emit, EXIT_FINDINGS, EXIT_OK, UsageError } from './util.js';

const FORMATS = ['table', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface StoreFlags {
  store?: string;
  key?: string;
}

const KEY_HELP = 'the Ed25519 signing key (PEM, created 0600 on first use; default: $KUBECOMPLY_EVIDENCE_KEY, else evidence-ed25519.pem beside the SQLite file or in the data directory)';

function storeOptions(c: Command): Command {
  return c.option('--store <url>', STORE_HELP).option('--key <file>', KEY_HELP);
}

function withStore<T>(flags: StoreFlags, fn: (s: Store) => Promise<T>): Promise<T> {
  return withCliStore(flags.store, fn);
}

const keyPath = (flags: StoreFlags): string => flags.key ?? defaultKeyPath(flags.store);

function readPublicKey(file: string): KeyObject {
  try {
    return publicKeyFromPem(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the public key ${file}: ${(e as Error).message}`);
  }
}

function parseAnchor(value: string, previous: ChainHead[] = []): ChainHead[] {
  const m = /^(\d+):([0-9a-f]{64})$/i.exec(value.trim());
  if (!m) throw new UsageError(`invalid --anchor "${value}"`, 'use SEQ:HASH as printed by "kubecomply evidence verify", e.g. 1200:3f9a…(64 hex digits)');
  return [...previous, { seq: Number(m[1]), hash: m[2].toLowerCase() }];
}

function parseSince(value: string): string {
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(rel[1]) * unit).toISOString();
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`invalid --since "${value}"`, 'use a date (2026-12-01), an RFC 3339 time, or a duration such as 24h or 7d');
  return new Date(ms).toISOString();
}

export function evidenceCommand(): Command {
  const cmd = new Command('evidence')
    .enablePositionalOptions()
    .summary('the tamper-evident evidence log: verify, export, list, append')
    .description(
      'Every record kubecomply keeps as evidence (scan summaries, admission decisions, exception changes, case ' +
        'transitions, issued reports) is appended to a hash chain: each record carries the hash of the one before, ' +
        'and every 100 records (and on export) the head is signed with an Ed25519 key. "verify" proves the chain ' +
        'intact or names the first broken record.',
    )
    .addHelpText(
      'after',
      `
Examples:
  kubecomply evidence verify                                   # the default store
  kubecomply evidence verify --store postgres://kc@db/kubecomply
  kubecomply evidence export -o evidence.jsonl --public-key-out evidence.pub.pem
  kubecomply evidence verify --file evidence.jsonl --public-key evidence.pub.pem   # offline
  kubecomply evidence list --kind admission-decision --since 24h --format json
  kubecomply evidence append --kind note --message "quarterly access review done"

What verify detects: a modified, deleted, inserted or reordered record anywhere; a rewrite that recomputes
the hashes, up to the newest signed checkpoint; truncation below a surviving checkpoint; a forged or
foreign checkpoint. What it cannot detect from the store alone: changes to the records after the newest
checkpoint (the "unsigned tail") by someone who can write to the store and recompute hashes, or deletion
of those records together with their checkpoints (or of the whole log). Keep the head hash that verify
prints (or an export) somewhere else and check it with --anchor SEQ:HASH; pin the public key with
--public-key instead of trusting the key beside the store.

Exit codes: 0 intact, 1 broken chain, 2 usage or input error.`,
    );
  cmd.addCommand(verifyCommand());
  cmd.addCommand(exportCommand());
  cmd.addCommand(listCommand());
  cmd.addCommand(appendCommand());
  return cmd;
}

interface VerifyFlags extends StoreFlags {
  file?: string;
  publicKey?: string;
  anchor?: ChainHead[];
  format: Format;
}

function verifyCommand(): Command {
  return storeOptions(
    new Command('verify')
      .summary('prove the evidence chain intact, or name the first broken record')
      .option('--file <export.jsonl>', 'verify an export file offline instead of the store (needs --public-key)')
      .option('--public-key <pem>', 'the trusted Ed25519 public key (default for a store: the public half of --key, else the keys the store publishes)')
      .option('--anchor <seq:hash>', 'an externally kept head: record SEQ must exist with HASH (repeatable)', parseAnchor)
      .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table')),
  ).action(async (flags: VerifyFlags) => {
    process.exitCode = await runVerify(flags);
  });
}

async function runVerify(flags: VerifyFlags): Promise<number> {
  const anchors = flags.anchor ?? [];
  let result: VerifyResult;
  const notes: string[] = [];
  if (flags.file) {
    if (!flags.publicKey) throw new UsageError('--file needs --public-key', 'pass the PEM written by "kubecomply evidence export --public-key-out"');
    const pub = readPublicKey(flags.publicKey);
    let text: string;
    try {
      text = readFileSync(flags.file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${flags.file}: ${(e as Error).message}`);
    }
    let parsed;
    try {
      parsed = parseExport(text);
    } catch (e) {
      throw new UsageError(`${flags.file}: ${(e as Error).message}`);
    }
    result = verifyEvidence(parsed.records, parsed.checkpoints, { publicKeys: [pub], anchors, requireSealedHead: true });
  } else {
    result = await withStore(flags, async (store) => {
      const records = await store.listEvidence();
      const checkpoints = await store.listCheckpoints();
      let keys: KeyObject[];
      if (flags.publicKey) keys = [readPublicKey(flags.publicKey)];
      else if (existsSync(keyPath(flags))) {
        try {
          keys = [loadKey(keyPath(flags)).publicKey];
        } catch (e) {
          throw new UsageError(`cannot read the evidence key ${keyPath(flags)}: ${(e as Error).message}`);
        }
      } else {
        keys = await storedPublicKeys(store, checkpoints.map((c) => c.keyId));
        if (checkpoints.length > 0) notes.push('trusting the public keys the store itself publishes; pin one with --public-key');
      }
      if (checkpoints.length > 0 && keys.length === 0) throw new UsageError('no public key to check the checkpoints with', 'pass --public-key or --key');
      return verifyEvidence(records, checkpoints, { publicKeys: keys, anchors });
    });
  }
  if (flags.format === 'json') {
    await emit([`${JSON.stringify({ ...result, notes }, null, 2)}\n`], undefined);
  } else {
    const out: string[] = [];
    if (result.ok) {
      out.push(`evidence intact: ${result.records} records, ${result.checkpoints} signed checkpoints`);
      if (result.head) out.push(`head: ${result.head.seq}:${result.head.hash}`);
      if (result.lastCheckpoint) out.push(`last signed checkpoint: record ${result.lastCheckpoint.seq} at ${result.lastCheckpoint.time} (key ${result.lastCheckpoint.keyId.slice(0, 16)}…)`);
      if (result.unsignedTail > 0) {
        out.push(
          `note: the last ${result.unsignedTail} records are not yet covered by a signed checkpoint; they are protected by the hash chain only. ` +
            'Keep the head above outside this store and check it later with --anchor.',
        );
      }
    } else {
      out.push(`evidence BROKEN at record ${result.firstBroken!.seq}: ${result.firstBroken!.reason}`);
      out.push(`(${result.records} records, ${result.checkpoints} checkpoints read)`);
    }
    for (const n of notes) out.push(`note: ${n}`);
    await emit([`${out.join('\n')}\n`], undefined);
  }
  return result.ok ? EXIT_OK : EXIT_FINDINGS;
}

interface ExportFlags extends StoreFlags {
  output: string;
  publicKeyOut?: string;
}

function exportCommand(): Command {
  return storeOptions(
    new Command('export')
      .summary('write the log as JSON lines plus the public key, verifiable offline')
      .requiredOption('-o, --output <file.jsonl>', 'the export file: one record per line, then the signed checkpoints')
      .option('--public-key-out <pem>', 'where to write the public key (default: <output>.pub.pem)'),
  ).action(async (flags: ExportFlags) => {
    process.exitCode = await runExport(flags);
  });
}

async function runExport(flags: ExportFlags): Promise<number> {
  const pubOut = flags.publicKeyOut ?? `${flags.output}.pub.pem`;
  const key = evidenceKey(flags.key, flags.store);
  return withStore(flags, async (store) => {
    // Never sign (seal) a broken log: sealedExport checks it first with the key that will sign.
    const sealed = await sealedExport(store, key);
    if (!sealed.ok) {
      process.stderr.write(`kubecomply: refusing to export a broken log: record ${sealed.broken.seq}: ${sealed.broken.reason}\n`);
      return EXIT_FINDINGS;
    }
    const { records, checkpoints, head } = sealed;
    try {
      await emit(exportLines(records, checkpoints), flags.output);
      writeFileSync(pubOut, key.publicPem);
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError(`cannot write the export: ${(e as Error).message}`);
    }
    process.stderr.write(
      `exported ${records.length} records and ${checkpoints.length} checkpoints to ${flags.output}; public key ${pubOut}` +
        `${head ? `\nhead: ${head.seq}:${head.hash}` : ''}\n`,
    );
    return EXIT_OK;
  });
}

interface ListFlags extends StoreFlags {
  kind?: string;
  since?: string;
  limit?: number;
  format: Format;
}

function listCommand(): Command {
  return storeOptions(
    new Command('list')
      .summary('list evidence records')
      .option('--kind <kind>', 'only records of this kind (scan-summary, admission-decision, exception-change, case-transition, report-issued, note …)')
      .option('--since <time>', 'only records at or after a date, an RFC 3339 time, or a duration ago (24h, 7d)')
      .option('--limit <n>', 'at most n records', (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --limit "${v}"`);
        return n;
      })
      .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table')),
  ).action(async (flags: ListFlags) => {
    const since = flags.since === undefined ? undefined : parseSince(flags.since);
    const records = await withStore(flags, (s) =>
      s.listEvidence({ ...(flags.kind ? { kind: flags.kind } : {}), ...(since ? { since } : {}), ...(flags.limit ? { limit: flags.limit } : {}) }),
    );
    if (flags.format === 'json') {
      await emit([`${JSON.stringify(records, null, 2)}\n`], undefined);
    } else {
      await emit([formatTable(records)], undefined);
    }
    process.exitCode = EXIT_OK;
  });
}

function formatTable(records: EvidenceRecord[]): string {
  if (records.length === 0) return 'no evidence records\n';
  const rows = records.map((r) => {
    let summary = JSON.stringify(r.payload);
    const p = r.payload as { message?: unknown } | null;
    if (p && typeof p === 'object' && typeof p.message === 'string') summary = p.message;
    if (summary.length > 80) summary = `${summary.slice(0, 79)}…`;
    return [String(r.seq), r.time, r.kind, r.hash.slice(0, 12), summary];
  });
  const head = ['SEQ', 'TIME', 'KIND', 'HASH', 'SUMMARY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols: string[]) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

interface AppendFlags extends StoreFlags {
  kind: string;
  message?: string;
  data?: string;
  checkpointEvery?: number;
}

function appendCommand(): Command {
  return storeOptions(
    new Command('append')
      .summary('append a record (an operator note, or a record of any kind)')
      .option('--kind <kind>', 'the record kind (a lowercase slug)', 'note')
      .option('-m, --message <text>', 'the message')
      .option('--data <json>', 'structured payload (a JSON value) stored under "data"')
      .option('--checkpoint-every <n>', 'sign a checkpoint when the new record number is a multiple of n (default 100)', (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --checkpoint-every "${v}"`);
        return n;
      }),
  ).action(async (flags: AppendFlags) => {
    if (flags.message === undefined && flags.data === undefined) throw new UsageError('nothing to append', 'pass --message and/or --data');
    const payload: Record<string, unknown> = {};
    if (flags.message !== undefined) payload.message = flags.message;
    if (flags.data !== undefined) {
      try {
        payload.data = JSON.parse(flags.data);
      } catch (e) {
        throw new UsageError(`--data is not JSON: ${(e as Error).message}`);
      }
    }
    if (!/^[a-z][a-z0-9._-]{0,63}$/.test(flags.kind)) throw new UsageError(`invalid --kind "${flags.kind}"`, 'a lowercase slug such as note or scan-summary');
    const key = evidenceKey(flags.key, flags.store);
    const r = await withStore(flags, (s) =>
      appendEvidence(s, flags.kind, payload, { key, ...(flags.checkpointEvery ? { checkpointEvery: flags.checkpointEvery } : {}) }),
    );
    await emit([`appended record ${r.seq}:${r.hash}\n`], undefined);
    process.exitCode = EXIT_OK;
  });
}
