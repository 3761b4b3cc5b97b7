/**
 * CRA cases in the store (schema v3), against SQLite and a real PostgreSQL (like test/store/contract.test.ts):
 * snapshot + append-only events, optimistic concurrency, evidence records per event, upgrade from v2.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { markExploited, must, transition, type Case } from '../../src/cra/cases.js';
import { CASE_EVIDENCE_KIND, CaseRepository } from '../../src/cra/repository.js';
import { loadOrCreateKey, verifyStore } from '../../src/store/evidence.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/index.js';
import { StoreConflictError, type Store } from '../../src/store/types.js';
import { startPostgres } from '../helpers/postgres.js';
import { storeBackends, withStore } from '../helpers/stores.js';
import { tempDir } from '../helpers/tmp.js';
import { caseIn, exampleProduct, who } from './fixtures.js';

const pgServer = await startPostgres();
const dir = tempDir('kubecomply-cra-repo-');
const BACKENDS = storeBackends(pgServer, dir);

const key = loadOrCreateKey(path.join(dir, 'evidence-ed25519.pem'));


const repoOf = (s: Store): CaseRepository => new CaseRepository(s, { key, now: () => new Date('2026-12-01T12:00:00Z') });

for (const b of BACKENDS) {
  describe(`CRA repository: ${b.name}`, () => {
    test('schema v3 is the latest; a case round-trips with its events', async () => {
      await withStore(await b.fresh(), async (s) => {
        assert.ok(LATEST_SCHEMA_VERSION >= 3);
        const repo = repoOf(s);
        const c = caseIn('affected');
        await repo.create(c);
        assert.deepEqual(await repo.get(c.id), c);
        assert.deepEqual(await repo.list(), [c]);
        assert.equal(await repo.get('nope'), undefined);
        await assert.rejects(repo.create(c), /already exists/);
      });
    });

    test('updates append events; each event is a case-transition evidence record; the chain verifies', async () => {
      await withStore(await b.fresh(), async (s) => {
        const repo = repoOf(s);
        const c0 = caseIn('new');
        await repo.create(c0);
        const c1 = must(transition(c0, 'affected', { ...who, at: '2026-11-30T10:00:00.000Z' }));
        await repo.update(c0, c1);
        const c2 = must(markExploited(c1, { ...who, at: '2026-11-30T11:00:00.000Z', source: 'manual' }));
        await repo.update(c1, c2);
        const back = (await repo.get(c0.id))!;
        assert.equal(back.state, 'affected');
        assert.equal(back.exploitedAt, '2026-11-30T11:00:00.000Z');
        assert.deepEqual(back.events, c2.events);
        assert.deepEqual((await repo.events(c0.id)).map((e) => e.type), ['opened', 'transition', 'exploited']);
        const ev = await s.listEvidence({ kind: CASE_EVIDENCE_KIND });
        assert.equal(ev.length, 3);
        assert.deepEqual(ev.map((r) => (r.payload as { seq: number }).seq), [1, 2, 3]);
        assert.equal((ev[1]!.payload as { caseId: string; state: string }).caseId, c0.id);
        assert.equal((await verifyStore(s, { publicKeys: [key.publicKey] })).ok, true);
      });
    });

    test('a stale writer is refused (optimistic concurrency); events cannot be rewritten', async () => {
      await withStore(await b.fresh(), async (s) => {
        const repo = repoOf(s);
        const c0 = caseIn('new');
        await repo.create(c0);
        const a = must(transition(c0, 'affected', { ...who, at: '2026-11-30T10:00:00.000Z' }));
        const bb = must(transition(c0, 'not_affected', { ...who, at: '2026-11-30T10:00:00.000Z', justification: 'component_not_present' }));
        await repo.update(c0, a);
        await assert.rejects(repo.update(c0, bb), StoreConflictError);
        assert.equal((await repo.get(c0.id))!.state, 'affected');
        assert.equal((await s.listEvidence()).length, 2);
        const forged: Case = { ...a, events: [{ ...a.events[0]!, by: 'mallory' } as Case['events'][number], ...a.events.slice(1)] };
        await assert.rejects(repo.update(a, forged), /append-only/);
        await assert.rejects(repo.update(a, c0), /cannot be removed/);
      });
    });

    test('products: save, overwrite, read', async () => {
      await withStore(await b.fresh(), async (s) => {
        const repo = repoOf(s);
        const p = exampleProduct();
        await repo.saveProduct(p);
        await repo.saveProduct({ ...p, version: '2.3.1' });
        assert.equal((await repo.getProduct(p.name))!.version, '2.3.1');
        assert.deepEqual((await s.listProducts()).map((x) => x.name), [p.name]);
        assert.equal(await repo.getProduct('other'), undefined);
      });
    });

    test('a store written at v2 upgrades to v3 and keeps its evidence; cases work after', async () => {
      const url = await b.fresh();
      await withStore(
        url,
        async (s) => {
          assert.equal(await s.schemaVersion(), 2);
          await s.setValue('k', 'v');
        },
        { migrate: 2 },
      );
      await withStore(url, async (s) => {
        assert.equal(await s.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal(await s.getValue('k'), 'v');
        assert.deepEqual(await s.listCases(), []);
        const repo = repoOf(s);
        await repo.create(caseIn('closed'));
        assert.equal((await repo.get('CASE-1'))!.state, 'closed');
      });
    });

    test('case events are a separate append-only table (raw check)', async () => {
      await withStore(await b.fresh(), async (s) => {
        const repo = repoOf(s);
        await repo.create(caseIn('fix_released'));
        const rows = await s.listCaseEvents('CASE-1');
        assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4]);
        assert.deepEqual(rows.map((r) => r.type), ['opened', 'transition', 'transition', 'transition']);
        // A second row with the same (case, seq) is refused by the primary key.
        await assert.rejects(b.exec(s, `INSERT INTO cra_case_event (case_id, seq, type, at, data) VALUES ('CASE-1', 1, 'x', 'x', '{}')`));
      });
    });
  });
}
