import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, pendingMigrations, SCHEMA_VERSION_DDL } from './migrations.js';
import { StoreConflictError } from './types.js';
import {
  checkUniqueKeys,
  SCAN_COLUMNS,
  SCAN_FINDING_COLUMNS,
  SCAN_OBJECT_COLUMNS,
  scanFindingValues,
  scanObjectValues,
  scanValues,
  toCheckpoint,
  toRecord,
  toScan,
  toScanFinding,
  toScanObject,
  type CheckpointRow,
  type EvidenceRow,
  type ScanFindingRow,
  type ScanObjectRow,
  type ScanRow,
} from './rows.js';
import type {
  AppendBuilder,
  CaseEventRecord,
  CaseRecord,
  ChainHead,
  Checkpoint,
  EvidenceQuery,
  EvidenceRecord,
  OpenOptions,
  ProductRecord,
  ScanFindingRecord,
  ScanObjectRecord,
  ScanQuery,
  ScanRecord,
  Store,
} from './types.js';

interface CaseRow {
  id: string;
  state: string;
  updated_at: string;
  events: number;
  data: string;
}

interface CaseEventRow {
  case_id: string;
  seq: number;
  type: string;
  at: string;
  data: string;
}

interface ProductRow {
  name: string;
  version: string;
  updated_at: string;
  data: string;
}

const toCase = (r: CaseRow): CaseRecord => ({ id: r.id, state: r.state, updatedAt: r.updated_at, events: Number(r.events), data: JSON.parse(r.data) });
const toCaseEvent = (r: CaseEventRow): CaseEventRecord => ({ caseId: r.case_id, seq: Number(r.seq), type: r.type, at: r.at, data: JSON.parse(r.data) });
const toProduct = (r: ProductRow): ProductRecord => ({ name: r.name, version: r.version, updatedAt: r.updated_at, data: JSON.parse(r.data) });

/** The embedded store: one SQLite file in WAL mode; appends under BEGIN IMMEDIATE. */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {}

  static async open(file: string, opts: OpenOptions = {}): Promise<SqliteStore> {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file, { timeout: 30_000 });
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a committed append survives power loss too, not only a killed process.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    } catch (e) {
      db.close();
      throw e;
    }
    const store = new SqliteStore(db, file);
    const m = opts.migrate ?? true;
    if (m !== false) await store.migrate(m === true ? LATEST_SCHEMA_VERSION : m);
    return store;
  }

  async schemaVersion(): Promise<number> {
    const t = this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
    if (!t) return 0;
    const r = this.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
    return r.v ?? 0;
  }

  async migrate(target: number = LATEST_SCHEMA_VERSION): Promise<number> {
    // Each migration in its own IMMEDIATE transaction: concurrent openers serialise, and re-read the version.
    for (;;) {
      const applied = this.db
        .transaction(() => {
          this.db.exec(SCHEMA_VERSION_DDL);
          const current = (this.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
          const next = pendingMigrations(current, target)[0];
          if (!next) return false;
          for (const sql of next.sqlite) this.db.exec(sql);
          this.db
            .prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)')
            .run(next.version, next.name, new Date().toISOString());
          return true;
        })
        .immediate();
      if (!applied) break;
    }
    return this.schemaVersion();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async appendEvidence(build: AppendBuilder): Promise<EvidenceRecord> {
    const tx = this.db.transaction(() => {
      const head = this.db.prepare('SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1').get() as ChainHead | undefined;
      const { record, checkpoint } = build(head ? { seq: Number(head.seq), hash: head.hash } : undefined);
      this.db
        .prepare('INSERT INTO evidence (seq, kind, time, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)')
        .run(record.seq, record.kind, record.time, JSON.stringify(record.payload), record.prevHash, record.hash);
      if (checkpoint) this.insertCheckpoint(checkpoint);
      return record;
    });
    return tx.immediate();
  }

  async listEvidence(q: EvidenceQuery = {}): Promise<EvidenceRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(q.afterSeq);
    }
    if (q.kind !== undefined) {
      where.push('kind = ?');
      args.push(q.kind);
    }
    if (q.since !== undefined) {
      where.push('time >= ?');
      args.push(q.since);
    }
    let sql = `SELECT seq, kind, time, payload, prev_hash, hash FROM evidence${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    if (q.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(q.limit);
    }
    return (this.db.prepare(sql).all(...args) as EvidenceRow[]).map(toRecord);
  }

  async headEvidence(): Promise<ChainHead | undefined> {
    const r = this.db.prepare('SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1').get() as ChainHead | undefined;
    return r ? { seq: Number(r.seq), hash: r.hash } : undefined;
  }

  private insertCheckpoint(c: Checkpoint): boolean {
    const r = this.db
      .prepare('INSERT INTO evidence_checkpoint (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING')
      .run(c.seq, c.hash, c.time, c.keyId, c.signature);
    return r.changes > 0;
  }

  async addCheckpoint(c: Checkpoint): Promise<boolean> {
    return this.insertCheckpoint(c);
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    return (this.db.prepare('SELECT seq, hash, time, key_id, signature FROM evidence_checkpoint ORDER BY seq').all() as CheckpointRow[]).map(
      toCheckpoint,
    );
  }

  async getValue(key: string): Promise<string | undefined> {
    const r = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  async setValue(key: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async saveCase(snapshot: CaseRecord, events: readonly CaseEventRecord[], expectedEvents: number): Promise<void> {
    const tx = this.db.transaction(() => {
      const cur = this.db.prepare('SELECT events FROM cra_case WHERE id = ?').get(snapshot.id) as { events: number } | undefined;
      const have = cur ? Number(cur.events) : 0;
      if (have !== expectedEvents) {
        throw new StoreConflictError(`case ${snapshot.id} was changed concurrently (has ${have} events, expected ${expectedEvents}); reload and retry`);
      }
      this.db
        .prepare(
          'INSERT INTO cra_case (id, state, updated_at, events, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, events = excluded.events, data = excluded.data',
        )
        .run(snapshot.id, snapshot.state, snapshot.updatedAt, snapshot.events, JSON.stringify(snapshot.data));
      const ins = this.db.prepare('INSERT INTO cra_case_event (case_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)');
      for (const e of events) ins.run(snapshot.id, e.seq, e.type, e.at, JSON.stringify(e.data));
    });
    tx.immediate();
  }

  async getCase(id: string): Promise<CaseRecord | undefined> {
    const r = this.db.prepare('SELECT id, state, updated_at, events, data FROM cra_case WHERE id = ?').get(id) as CaseRow | undefined;
    return r ? toCase(r) : undefined;
  }

  async listCases(): Promise<CaseRecord[]> {
    return (this.db.prepare('SELECT id, state, updated_at, events, data FROM cra_case ORDER BY id').all() as CaseRow[]).map(toCase);
  }

  async listCaseEvents(caseId: string): Promise<CaseEventRecord[]> {
    return (this.db.prepare('SELECT case_id, seq, type, at, data FROM cra_case_event WHERE case_id = ? ORDER BY seq').all(caseId) as CaseEventRow[]).map(toCaseEvent);
  }

  async saveProduct(p: ProductRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO cra_product (name, version, updated_at, data) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, data = excluded.data')
      .run(p.name, p.version, p.updatedAt, JSON.stringify(p.data));
  }

  async getProduct(name: string): Promise<ProductRecord | undefined> {
    const r = this.db.prepare('SELECT name, version, updated_at, data FROM cra_product WHERE name = ?').get(name) as ProductRow | undefined;
    return r ? toProduct(r) : undefined;
  }

  async listProducts(): Promise<ProductRecord[]> {
    return (this.db.prepare('SELECT name, version, updated_at, data FROM cra_product ORDER BY name').all() as ProductRow[]).map(toProduct);
  }

  async saveScan(scan: Omit<ScanRecord, 'id'>, findings: readonly ScanFindingRecord[], objects: readonly ScanObjectRecord[]): Promise<number> {
    checkUniqueKeys('finding', findings);
    checkUniqueKeys('object', objects);
    const tx = this.db.transaction(() => {
      const r = this.db.prepare('SELECT MAX(id) AS id FROM scan').get() as { id: number | null };
      const id = (r.id ?? 0) + 1;
      this.db.prepare(`INSERT INTO scan (${SCAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`).run(id, ...scanValues(scan));
      const f = this.db.prepare(`INSERT INTO scan_finding (scan_id, ${SCAN_FINDING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const x of findings) f.run(id, ...scanFindingValues(x));
      const o = this.db.prepare(`INSERT INTO scan_object (scan_id, ${SCAN_OBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const x of objects) o.run(id, ...scanObjectValues(x));
      return id;
    });
    return tx.immediate();
  }

  async setScanEvidence(id: number, evidence: { seq: number; hash: string }): Promise<void> {
    const r = this.db.prepare('UPDATE scan SET evidence_seq = ?, evidence_hash = ? WHERE id = ? AND evidence_seq IS NULL').run(evidence.seq, evidence.hash, id);
    if (r.changes === 0) throw new Error(`scan ${id} does not exist or is already linked to an evidence record`);
  }

  async getScan(id: number): Promise<ScanRecord | undefined> {
    const r = this.db.prepare(`SELECT ${SCAN_COLUMNS} FROM scan WHERE id = ?`).get(id) as ScanRow | undefined;
    return r ? toScan(r) : undefined;
  }

  async listScans(q: ScanQuery = {}): Promise<ScanRecord[]> {
    const args: (string | number)[] = [];
    const where: string[] = [];
    if (q.since !== undefined) {
      where.push('time >= ?');
      args.push(q.since);
    }
    if (q.upToId !== undefined) {
      where.push('id <= ?');
      args.push(q.upToId);
    }
    let sql = `SELECT ${SCAN_COLUMNS} FROM scan${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
    if (q.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(q.limit);
    }
    return (this.db.prepare(sql).all(...args) as ScanRow[]).map(toScan).reverse();
  }

  async listScanFindings(id: number): Promise<ScanFindingRecord[]> {
    return (this.db.prepare(`SELECT ${SCAN_FINDING_COLUMNS} FROM scan_finding WHERE scan_id = ? ORDER BY key`).all(id) as ScanFindingRow[]).map(toScanFinding);
  }

  async listScanObjects(id: number): Promise<ScanObjectRecord[]> {
    return (this.db.prepare(`SELECT ${SCAN_OBJECT_COLUMNS} FROM scan_object WHERE scan_id = ? ORDER BY key`).all(id) as ScanObjectRow[]).map(toScanObject);
  }

  /** Direct SQL, for tests and maintenance. */
  exec(sql: string): void {
    this.db.exec(sql);
  }
}
