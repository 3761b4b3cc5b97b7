/**
 * One contract, two backends: every test here runs against SQLite (a temp file) and a real PostgreSQL
 * server started for this file (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openStore, resolveStoreUrl, defaultStorePath, LATEST_SCHEMA_VERSION } from '../../src/store/index.js';
import type { Store, EvidenceRecord } from '../../src/store/types.js';
import { GENESIS_HASH, recordHash } from '../../src/store/evidence.js';
import { startPostgres } from '../helpers/postgres.js';
import { storeBackends, withStore } from '../helpers/stores.js';
import { tempDir } from '../helpers/tmp.js';

const pgServer = await startPostgres();
const dir = tempDir('kubecomply-store-');
const BACKENDS = storeBackends(pgServer, dir);

function record(seq: number, prevHash: string, payload: unknown, kind = 'note', time = `2026-12-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`): EvidenceRecord {
  return { seq, kind, time, payload, prevHash, hash: recordHash(prevHash, seq, kind, time, payload) };
}

async function appendPlain(s: Store, payload: unknown, kind = 'note', time?: string): Promise<EvidenceRecord> {
  return s.appendEvidence((head) => ({ record: record((head?.seq ?? 0) + 1, head?.hash ?? GENESIS_HASH, payload, kind, time) }));
}


for (const b of BACKENDS) {
  describe(`store contract: ${b.name}`, () => {
    test('opens migrated to the latest schema; migrating again is a no-op', async () => {
      const url = await b.fresh();
      await withStore(url, async (s) => {
        assert.equal(s.backend, b.name);
        assert.equal(await s.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal(await s.migrate(), LATEST_SCHEMA_VERSION);
      });
      await withStore(url, async (s) => assert.equal(await s.schemaVersion(), LATEST_SCHEMA_VERSION));
    });

    test('data written with migration 1 only is readable after upgrading to all migrations', async () => {
      const url = await b.fresh();
      const written = await withStore(
        url,
        async (s) => {
          assert.equal(await s.schemaVersion(), 1);
          const out = [];
          for (let i = 1; i <= 5; i++) out.push(await appendPlain(s, { i, text: 'før' }));
          await s.setValue('k', 'v1');
          return out;
        },
        { migrate: 1 },
      );
      await withStore(url, async (s) => {
        assert.equal(await s.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.deepEqual(await s.listEvidence(), written);
        assert.equal(await s.getValue('k'), 'v1');
        assert.deepEqual(await s.listCheckpoints(), []);
        const next = await appendPlain(s, { i: 6 });
        assert.equal(next.seq, 6);
        assert.equal(next.prevHash, written[4].hash);
      });
    });

    test('refuses a store whose schema is newer than this code', async () => {
      const url = await b.fresh();
      await withStore(url, (s) => b.exec(s, `INSERT INTO schema_version (version, name, applied_at) VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 'x')`));
      await assert.rejects(openStore(url), /newer than this kubecomply/);
    });

    test('key/value: missing, set, overwrite', async () => {
      await withStore(await b.fresh(), async (s) => {
        assert.equal(await s.getValue('a'), undefined);
        await s.setValue('a', '1');
        await s.setValue('b', 'two\nlines');
        await s.setValue('a', '3');
        assert.equal(await s.getValue('a'), '3');
        assert.equal(await s.getValue('b'), 'two\nlines');
      });
    });

    test('evidence: append, head, list with filters; payloads round-trip exactly', async () => {
      await withStore(await b.fresh(), async (s) => {
        assert.equal(await s.headEvidence(), undefined);
        assert.deepEqual(await s.listEvidence(), []);
        const payload = { nested: { a: [1, 2.5, null, true], 'ü': 'ünïcødé ✓', big: 2 ** 53 - 1 }, empty: {} };
        const r1 = await appendPlain(s, payload, 'scan-summary', '2026-12-01T10:00:00.000Z');
        const r2 = await appendPlain(s, 'just a string', 'note', '2026-12-01T11:00:00.000Z');
        const r3 = await appendPlain(s, [1, 'x'], 'scan-summary', '2026-12-01T12:00:00.000Z');
        assert.deepEqual(await s.headEvidence(), { seq: 3, hash: r3.hash });
        assert.deepEqual(await s.listEvidence(), [r1, r2, r3]);
        assert.deepEqual((await s.listEvidence({ kind: 'scan-summary' })).map((r) => r.seq), [1, 3]);
        assert.deepEqual((await s.listEvidence({ since: '2026-12-01T11:00:00.000Z' })).map((r) => r.seq), [2, 3]);
        assert.deepEqual((await s.listEvidence({ afterSeq: 1, limit: 1 })).map((r) => r.seq), [2]);
        assert.deepEqual((await s.listEvidence())[0].payload, payload);
      });
    });

    test('evidence: a failing builder appends nothing; a duplicate seq is rejected', async () => {
      await withStore(await b.fresh(), async (s) => {
        await appendPlain(s, 1);
        await assert.rejects(
          s.appendEvidence(() => {
            throw new Error('boom');
          }),
          /boom/,
        );
        await assert.rejects(s.appendEvidence(() => ({ record: record(1, GENESIS_HASH, 'fork') })));
        assert.equal((await s.listEvidence()).length, 1);
      });
    });

    test('checkpoints: inserted with the append or alone, once per seq, listed in order', async () => {
      await withStore(await b.fresh(), async (s) => {
        const cp = (seq: number, hash: string) => ({ seq, hash, time: '2026-12-01T00:00:00.000Z', keyId: 'k', signature: 'c2ln' });
        const r1 = await s.appendEvidence(() => {
          const r = record(1, GENESIS_HASH, 'a');
          return { record: r, checkpoint: cp(1, r.hash) };
        });
        const r2 = await appendPlain(s, 'b');
        assert.equal(await s.addCheckpoint(cp(2, r2.hash)), true);
        assert.equal(await s.addCheckpoint({ ...cp(2, r2.hash), signature: 'other' }), false);
        assert.deepEqual(await s.listCheckpoints(), [cp(1, r1.hash), cp(2, r2.hash)]);
      });
    });

    test('two connections appending concurrently never fork the chain', async () => {
      const url = await b.fresh();
      const [s1, s2] = [await openStore(url), await openStore(url)];
      try {
        await Promise.all([s1, s2].map(async (s, who) => {
          for (let i = 0; i < 20; i++) await appendPlain(s, { who, i });
        }));
        const all = await s1.listEvidence();
        assert.deepEqual(all.map((r) => r.seq), Array.from({ length: 40 }, (_, i) => i + 1));
        for (let i = 1; i < all.length; i++) assert.equal(all[i].prevHash, all[i - 1].hash);
      } finally {
        await s1.close();
        await s2.close();
      }
    });
  });
}

describe('openStore URLs', () => {
  test('file paths and sqlite: URLs are SQLite; postgres:// and postgresql:// are PostgreSQL', () => {
    assert.deepEqual(resolveStoreUrl('/tmp/a.db'), { backend: 'sqlite', file: '/tmp/a.db' });
    assert.deepEqual(resolveStoreUrl('rel/a.db'), { backend: 'sqlite', file: path.resolve('rel/a.db') });
    assert.deepEqual(resolveStoreUrl('sqlite:/tmp/b.db'), { backend: 'sqlite', file: '/tmp/b.db' });
    assert.deepEqual(resolveStoreUrl('sqlite:///tmp/c.db'), { backend: 'sqlite', file: '/tmp/c.db' });
    assert.equal(resolveStoreUrl('postgres://u:p@h/db').backend, 'postgres');
    assert.equal(resolveStoreUrl('postgresql://h/db').backend, 'postgres');
    assert.throws(() => resolveStoreUrl('mysql://h/db'), /unsupported store URL/);
  });

  test('default file: $KUBECOMPLY_DATA_DIR, else $XDG_DATA_HOME/kubecomply, else ~/.local/share/kubecomply', () => {
    assert.equal(defaultStorePath({ KUBECOMPLY_DATA_DIR: '/d', XDG_DATA_HOME: '/x' }), '/d/kubecomply.db');
    assert.equal(defaultStorePath({ XDG_DATA_HOME: '/x' }), '/x/kubecomply/kubecomply.db');
    assert.match(defaultStorePath({}), /\.local\/share\/kubecomply\/kubecomply\.db$/);
    assert.deepEqual(resolveStoreUrl(undefined, { KUBECOMPLY_DATA_DIR: '/d' }), { backend: 'sqlite', file: '/d/kubecomply.db' });
  });

  test('a PostgreSQL location never shows the password', async () => {
    const url = (await pgServer.createDatabase()).replace('postgres@', 'postgres:secret@');
    await withStore(url, async (s) => {
      assert.equal(s.backend, 'postgres');
      assert.doesNotMatch(s.location, /secret/);
    });
  });
});
