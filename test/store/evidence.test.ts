/**
 * The evidence log's guarantees, on SQLite and a real PostgreSQL alike: tampering done with plain SQL
 * (modification, deletion, insertion, reordering, truncation, rewriting) is detected and the first
 * broken record is named; processes appending concurrently never fork the chain; a process killed
 * with SIGKILL mid-append never leaves a broken chain.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  appendEvidence,
  canonicalJson,
  checkpointHead,
  defaultKeyPath,
  exportLines,
  GENESIS_HASH,
  loadOrCreateKey,
  parseExport,
  recordHash,
  verifyEvidence,
  verifyStore,
  type EvidenceKey,
} from '../../src/store/evidence.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startPostgres } from '../helpers/postgres.js';
import { storeBackends } from '../helpers/stores.js';
import { tempDir } from '../helpers/tmp.js';

const pgServer = await startPostgres();
const dir = tempDir('kubecomply-evidence-');
const key: EvidenceKey = loadOrCreateKey(path.join(dir, 'key.pem'));
const trust = { publicKeys: [key.publicKey] };
let n = 0;

const BACKENDS = storeBackends(pgServer, dir);

async function filled(url: string, count: number): Promise<Store> {
  const s = await openStore(url);
  for (let i = 1; i <= count; i++) await appendEvidence(s, i % 2 ? 'scan-summary' : 'admission-decision', { i, findings: i * 3 }, { key });
  return s;
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** An attacker without the key, recomputing hashes from `from` on (UPDATE one row at a time). */
async function rehashFrom(s: Store, exec: (s: Store, sql: string) => Promise<void>, from: number): Promise<void> {
  const all = await s.listEvidence();
  let prev = from === 1 ? GENESIS_HASH : all[from - 2].hash;
  for (const r of all.slice(from - 1)) {
    const h = recordHash(prev, r.seq, r.kind, r.time, r.payload);
    await exec(s, `UPDATE evidence SET prev_hash = ${q(prev)}, hash = ${q(h)} WHERE seq = ${r.seq}`);
    prev = h;
  }
}

// A child that appends forever (or COUNT times) to STORE with KEY; started through tsx like the tests.
const CHILD = `
import { openStore } from ${JSON.stringify(pathToFileURL(path.resolve('src/store/index.ts')).href)};
import { appendEvidence, loadOrCreateKey } from ${JSON.stringify(pathToFileURL(path.resolve('src/store/evidence.ts')).href)};
const s = await openStore(process.env.STORE);
const key = loadOrCreateKey(process.env.KEY);
const count = Number(process.env.COUNT || Infinity);
for (let i = 0; i < count; i++) await appendEvidence(s, 'note', { pid: process.pid, i, pad: 'x'.repeat(i % 500) }, { key, checkpointEvery: 7 });
await s.close();
`;

function child(store: string, count?: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, STORE: store, KEY: path.join(dir, 'key.pem'), COUNT: count === undefined ? '' : String(count) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (c: ChildProcess): Promise<number | null> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code)));

for (const b of BACKENDS) {
  describe(`evidence log: ${b.name}`, () => {
    test('an untouched log verifies; checkpoints every 100 records; the head is reported', async () => {
      const s = await filled(await b.fresh(), 250);
      try {
        const v = await verifyStore(s, trust);
        assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
        assert.equal(v.records, 250);
        assert.deepEqual((await s.listCheckpoints()).map((c) => c.seq), [100, 200]);
        assert.equal(v.lastCheckpoint?.seq, 200);
        assert.equal(v.unsignedTail, 50);
        assert.deepEqual(v.head, await s.headEvidence());
      } finally {
        await s.close();
      }
    });

    const cases: { name: string; tamper: (s: Store) => Promise<void>; seq: number; reason: RegExp }[] = [
      { name: 'modification of a payload', tamper: (s) => b.exec(s, `UPDATE evidence SET payload = '{"i":50,"findings":0}' WHERE seq = 50`), seq: 50, reason: /modified/ },
      { name: 'modification of the kind', tamper: (s) => b.exec(s, `UPDATE evidence SET kind = 'note' WHERE seq = 120`), seq: 120, reason: /modified/ },
      { name: 'modification of the time', tamper: (s) => b.exec(s, `UPDATE evidence SET time = '2020-01-01T00:00:00.000Z' WHERE seq = 1`), seq: 1, reason: /modified/ },
      {
        name: 'modification with the record rehashed',
        tamper: async (s) => {
          await b.exec(s, `UPDATE evidence SET payload = '{"i":70,"findings":0}' WHERE seq = 70`);
          const r = (await s.listEvidence({ afterSeq: 69, limit: 1 }))[0];
          await b.exec(s, `UPDATE evidence SET hash = ${q(recordHash(r.prevHash, r.seq, r.kind, r.time, r.payload))} WHERE seq = 70`);
        },
        seq: 71,
        reason: /link broken/,
      },
      {
        name: 'rewriting history with every later hash recomputed (caught by the signed checkpoint)',
        tamper: async (s) => {
          await b.exec(s, `UPDATE evidence SET payload = '{"i":150,"findings":0}' WHERE seq = 150`);
          await rehashFrom(s, b.exec, 150);
        },
        seq: 200,
        reason: /records 101\.\.200 were rewritten/,
      },
      { name: 'deletion of a record', tamper: (s) => b.exec(s, 'DELETE FROM evidence WHERE seq = 77'), seq: 77, reason: /record 77 is missing/ },
      { name: 'deletion of the first records', tamper: (s) => b.exec(s, 'DELETE FROM evidence WHERE seq <= 3'), seq: 1, reason: /record 1 is missing \(records 1\.\.3\)/ },
      {
        name: 'nothing (undetectable): deletion in the unsigned tail with later records renumbered and rehashed',
        tamper: async (s) => {
          await b.exec(s, 'DELETE FROM evidence WHERE seq = 230');
          await b.exec(s, 'UPDATE evidence SET seq = -(seq - 1) WHERE seq > 230');
          await b.exec(s, 'UPDATE evidence SET seq = -seq WHERE seq < 0');
          await rehashFrom(s, b.exec, 230);
        },
        seq: 0, // not caught by the chain (no checkpoint after 230): see 'the unsigned tail' below
        reason: /./,
      },
      {
        name: 'insertion of a well-formed record (later records renumbered)',
        tamper: async (s) => {
          await b.exec(s, 'UPDATE evidence SET seq = -(seq + 1) WHERE seq >= 60');
          await b.exec(s, 'UPDATE evidence SET seq = -seq WHERE seq < 0');
          const prev = (await s.listEvidence({ afterSeq: 58, limit: 1 }))[0];
          const t = '2026-12-01T00:00:00.000Z';
          await b.exec(
            s,
            `INSERT INTO evidence (seq, kind, time, payload, prev_hash, hash) VALUES (60, 'note', ${q(t)}, '"forged"', ${q(prev.hash)}, ${q(recordHash(prev.hash, 60, 'note', t, 'forged'))})`,
          );
        },
        seq: 61,
        reason: /link broken/,
      },
      {
        name: 'insertion at the end after a signed checkpoint region (seq gap)',
        tamper: (s) => b.exec(s, `INSERT INTO evidence (seq, kind, time, payload, prev_hash, hash) VALUES (252, 'note', 't', '1', 'x', 'y')`),
        seq: 251,
        reason: /record 251 is missing/,
      },
      {
        name: 'reordering two records',
        tamper: async (s) => {
          await b.exec(s, 'UPDATE evidence SET seq = -1 WHERE seq = 30');
          await b.exec(s, 'UPDATE evidence SET seq = 30 WHERE seq = 31');
          await b.exec(s, 'UPDATE evidence SET seq = 31 WHERE seq = -1');
        },
        seq: 30,
        reason: /link broken|modified/,
      },
      { name: 'truncation past a signed checkpoint', tamper: (s) => b.exec(s, 'DELETE FROM evidence WHERE seq > 150'), seq: 151, reason: /truncated.*record 200/ },
      { name: 'a forged checkpoint', tamper: (s) => b.exec(s, `UPDATE evidence_checkpoint SET hash = ${q('0'.repeat(64))} WHERE seq = 100`), seq: 100, reason: /invalid signature/ },
      { name: 'a checkpoint signed with another key', tamper: async (s) => {
          const other = loadOrCreateKey(path.join(dir, `other-${b.name}.pem`));
          await b.exec(s, 'DELETE FROM evidence_checkpoint WHERE seq = 200');
          await checkpointHead(s, other);
        }, seq: 250, reason: /untrusted key/ },
    ];
    for (const c of cases) {
      test(`detects ${c.name}`, async () => {
        const s = await filled(await b.fresh(), 250);
        try {
          await c.tamper(s);
          const v = await verifyStore(s, trust);
          if (c.seq === 0) {
            assert.equal(v.ok, true);
            return;
          }
          assert.equal(v.ok, false, `${c.name} went undetected`);
          assert.equal(v.firstBroken?.seq, c.seq, v.firstBroken?.reason);
          assert.match(v.firstBroken!.reason, c.reason);
        } finally {
          await s.close();
        }
      });
    }

    test('the unsigned tail: truncation after the newest checkpoint is caught only by an anchor or a seal', async () => {
      const s = await filled(await b.fresh(), 250);
      try {
        const head = (await s.headEvidence())!;
        await b.exec(s, 'DELETE FROM evidence WHERE seq > 220');
        const v = await verifyStore(s, trust);
        assert.equal(v.ok, true, 'without an external anchor this truncation is not detectable');
        assert.equal(v.unsignedTail, 20);
        const anchored = await verifyStore(s, { ...trust, anchors: [head] });
        assert.equal(anchored.ok, false);
        assert.equal(anchored.firstBroken?.seq, 221);
        assert.match(anchored.firstBroken!.reason, /anchored record 250 is missing/);
      } finally {
        await s.close();
      }
    });

    test('after a checkpoint at the head (as export makes), any truncation is detected', async () => {
      const s = await filled(await b.fresh(), 120);
      try {
        const cp = await checkpointHead(s, key);
        assert.equal(cp?.seq, 120);
        assert.equal((await checkpointHead(s, key))?.signature, cp?.signature, 'idempotent');
        await b.exec(s, 'DELETE FROM evidence WHERE seq = 120');
        const v = await verifyStore(s, trust);
        assert.equal(v.firstBroken?.seq, 120);
        assert.match(v.firstBroken!.reason, /truncated/);
      } finally {
        await s.close();
      }
    });

    test('two processes migrating and appending to the same new store never fork the chain', async () => {
      const url = await b.fresh();
      // The children also race to create the schema on the empty store.
      const kids = [child(url, 40), child(url, 40)];
      assert.deepEqual(await Promise.all(kids.map(exited)), [0, 0]);
      const s = await openStore(url);
      try {
        const v = await verifyStore(s, trust);
        assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
        assert.equal(v.records, 80);
        const pids = new Set((await s.listEvidence()).map((r) => (r.payload as { pid: number }).pid));
        assert.equal(pids.size, 2);
      } finally {
        await s.close();
      }
    });

    test('SIGKILL mid-append never leaves a broken chain, and appending continues', async () => {
      const url = await b.fresh();
      const s = await openStore(url);
      try {
        let last = 0;
        for (let round = 0; round < 3; round++) {
          const c = child(url);
          const deadline = Date.now() + 30_000;
          // Let it get going, then kill it at an arbitrary point.
          while (((await s.headEvidence())?.seq ?? 0) < last + 15 + round * 7) {
            assert.ok(Date.now() < deadline, 'the child did not append');
            await new Promise((r) => setTimeout(r, 20));
          }
          c.kill('SIGKILL');
          await exited(c);
          const v = await verifyStore(s, trust);
          assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
          const next = await appendEvidence(s, 'note', { after: 'kill', round }, { key });
          assert.equal(next.seq, v.records + 1);
          last = next.seq;
        }
        assert.equal((await verifyStore(s, trust)).ok, true);
      } finally {
        await s.close();
      }
    });
  });
}

describe('evidence: export files', () => {
  async function exported(): Promise<string> {
    const s = await filled(path.join(dir, `x${++n}.db`), 30);
    try {
      await checkpointHead(s, key);
      return [...exportLines(await s.listEvidence(), await s.listCheckpoints())].join('');
    } finally {
      await s.close();
    }
  }
  const verifyText = (text: string) => {
    const p = parseExport(text);
    return verifyEvidence(p.records, p.checkpoints, { ...trust, requireSealedHead: true });
  };

  test('an export verifies offline with only the public key', async () => {
    const v = verifyText(await exported());
    assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
    assert.equal(v.records, 30);
    assert.equal(v.unsignedTail, 0);
  });

  test('detects edits to the file: modification, deletion, insertion, reordering, truncation', async () => {
    const lines = (await exported()).trimEnd().split('\n');
    const join = (ls: string[]) => `${ls.join('\n')}\n`;
    const mod = [...lines];
    mod[9] = mod[9].replace('"findings":30', '"findings":0');
    assert.notEqual(mod[9], lines[9]);
    assert.deepEqual(verifyText(join(mod)).firstBroken?.seq, 10);
    assert.equal(verifyText(join(lines.filter((_, i) => i !== 4))).firstBroken?.seq, 5);
    assert.equal(verifyText(join([...lines.slice(0, 5), lines[3], ...lines.slice(5)])).firstBroken?.seq, 4);
    assert.equal(verifyText(join([...lines.slice(0, 5), lines[6], lines[5], ...lines.slice(7)])).firstBroken?.seq, 6);
    // Truncation: the last records dropped (the sealing checkpoint at 30 still names them) …
    assert.match(verifyText(join([...lines.slice(0, 27), ...lines.slice(30)])).firstBroken!.reason, /truncated/);
    // … or the file cut short, seal and all: the remaining records are no longer sealed.
    const cut = verifyText(join(lines.slice(0, 25)));
    assert.equal(cut.ok, false);
    assert.match(cut.firstBroken!.reason, /not covered by a signed checkpoint/);
  });

  test('a different public key rejects the export', async () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    const p = parseExport(await exported());
    const v = verifyEvidence(p.records, p.checkpoints, { publicKeys: [other] });
    assert.equal(v.ok, false);
    assert.match(v.firstBroken!.reason, /untrusted key/);
  });

  test('malformed lines are reported with their line number', () => {
    assert.throws(() => parseExport('{"type":"record"}\n'), /line 1: "seq" must be an integer/);
    assert.throws(() => parseExport('\n{oops\n'), /line 2: not JSON/);
  });
});

describe('evidence: canonical JSON and keys', () => {
  test('keys sorted at every level, no whitespace; undefined dropped; non-finite numbers refused', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson(new Date('2026-01-01T00:00:00Z')), '"2026-01-01T00:00:00.000Z"');
    assert.throws(() => canonicalJson({ x: NaN }), /non-finite/);
    assert.throws(() => canonicalJson(10n), /bigint/);
  });

  test('the key is created once, mode 0600, and reused; KUBECOMPLY_EVIDENCE_KEY overrides the default path', () => {
    const p = path.join(dir, 'keys', 'k.pem');
    const k1 = loadOrCreateKey(p);
    assert.equal(statSync(p).mode & 0o777, 0o600);
    assert.equal(loadOrCreateKey(p).keyId, k1.keyId);
    assert.equal(defaultKeyPath('/srv/data/kc.db', {}), '/srv/data/evidence-ed25519.pem');
    assert.equal(defaultKeyPath('postgres://h/db', { KUBECOMPLY_DATA_DIR: '/d' }), '/d/evidence-ed25519.pem');
    assert.equal(defaultKeyPath('/srv/data/kc.db', { KUBECOMPLY_EVIDENCE_KEY: '/k/key.pem' }), '/k/key.pem');
  });

  test('kinds must be slugs', async () => {
    const s = await openStore(path.join(dir, `k${++n}.db`));
    try {
      await assert.rejects(appendEvidence(s, 'Bad Kind', {}, { key }), /lowercase slug/);
    } finally {
      await s.close();
    }
  });
});
