import pg from 'pg';
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

/** pg_advisory_xact_lock keys (arbitrary constants, one per purpose). */
const LOCK_MIGRATE = 0x6b63_0001;
const LOCK_EVIDENCE = 0x6b63_0002;
const LOCK_CASES = 0x6b63_0003;
const LOCK_SCANS = 0x6b63_0004;
/** Rows per multi-row INSERT (PostgreSQL allows 65,535 parameters per statement). */
const ROWS_PER_INSERT = 500;

const params = (rows: number, cols: number, first = 1): string =>
  Array.from({ length: rows }, (_, i) => `(${Array.from({ length: cols }, (_, j) => `$${first + i * cols + j}`).join(', ')})`).join(', ');

const toCase = (r: { id: string; state: string; updated_at: string; events: number | string; data: string }): CaseRecord => ({
  id: r.id,
  state: r.state,
  updatedAt: r.updated_at,
  events: Number(r.events),
  data: JSON.parse(r.data),
});
const toProduct = (r: { name: string; version: string; updated_at: string; data: string }): ProductRecord => ({ name: r.name, version: r.version, updatedAt: r.updated_at, data: JSON.parse(r.data) });

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** The shared store: PostgreSQL; appends serialise on a transaction-scoped advisory lock. */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  static async open(url: string, opts: OpenOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, redactUrl(url));
    try {
      await pool.query('SELECT 1');
      const m = opts.migrate ?? true;
      if (m !== false) await store.migrate(m === true ? LATEST_SCHEMA_VERSION : m);
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    return store;
  }

  private async tx<T>(lock: number, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [lock]);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async schemaVersion(): Promise<number> {
    const t = await this.pool.query(`SELECT to_regclass('schema_version') AS t`);
    if (!t.rows[0]?.t) return 0;
    const r = await this.pool.query('SELECT MAX(version) AS v FROM schema_version');
    return r.rows[0]?.v === null || r.rows[0]?.v === undefined ? 0 : Number(r.rows[0].v);
  }

  async migrate(target: number = LATEST_SCHEMA_VERSION): Promise<number> {
    for (;;) {
      const applied = await this.tx(LOCK_MIGRATE, async (c) => {
        await c.query(SCHEMA_VERSION_DDL);
        const r = await c.query('SELECT MAX(version) AS v FROM schema_version');
        const current = r.rows[0]?.v === null ? 0 : Number(r.rows[0].v);
        const next = pendingMigrations(current, target)[0];
        if (!next) return false;
        for (const sql of next.postgres) await c.query(sql);
        await c.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
          next.version,
          next.name,
          new Date().toISOString(),
        ]);
        return true;
      });
      if (!applied) break;
    }
    return this.schemaVersion();
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async appendEvidence(build: AppendBuilder): Promise<EvidenceRecord> {
    return this.tx(LOCK_EVIDENCE, async (c) => {
      const h = await c.query('SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1');
      const head: ChainHead | undefined = h.rows[0] ? { seq: Number(h.rows[0].seq), hash: h.rows[0].hash } : undefined;
      const { record, checkpoint } = build(head);
      await c.query('INSERT INTO evidence (seq, kind, time, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)', [
        record.seq,
        record.kind,
        record.time,
        JSON.stringify(record.payload),
        record.prevHash,
        record.hash,
      ]);
      if (checkpoint) await insertCheckpoint(c, checkpoint);
      return record;
    });
  }

  async listEvidence(q: EvidenceQuery = {}): Promise<EvidenceRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.afterSeq !== undefined) {
      args.push(q.afterSeq);
      where.push(`seq > $${args.length}`);
    }
    if (q.kind !== undefined) {
      args.push(q.kind);
      where.push(`kind = $${args.length}`);
    }
    if (q.since !== undefined) {
      args.push(q.since);
      where.push(`time >= $${args.length}`);
    }
    let sql = `SELECT seq, kind, time, payload, prev_hash, hash FROM evidence${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    if (q.limit !== undefined) {
      args.push(q.limit);
      sql += ` LIMIT $${args.length}`;
    }
    const r = await this.pool.query<EvidenceRow>(sql, args);
    return r.rows.map(toRecord);
  }

  async headEvidence(): Promise<ChainHead | undefined> {
    const r = await this.pool.query('SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1');
    return r.rows[0] ? { seq: Number(r.rows[0].seq), hash: r.rows[0].hash } : undefined;
  }

  async addCheckpoint(c: Checkpoint): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      return await insertCheckpoint(client, c);
    } finally {
      client.release();
    }
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    const r = await this.pool.query<CheckpointRow>('SELECT seq, hash, time, key_id, signature FROM evidence_checkpoint ORDER BY seq');
    return r.rows.map(toCheckpoint);
  }

  async getValue(key: string): Promise<string | undefined> {
    const r = await this.pool.query('SELECT value FROM kv WHERE key = $1', [key]);
    return r.rows[0]?.value;
  }

  async setValue(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async saveCase(snapshot: CaseRecord, events: readonly CaseEventRecord[], expectedEvents: number): Promise<void> {
    await this.tx(LOCK_CASES, async (c) => {
      const cur = await c.query('SELECT events FROM cra_case WHERE id = $1', [snapshot.id]);
      const have = cur.rows[0] ? Number(cur.rows[0].events) : 0;
      if (have !== expectedEvents) {
        throw new StoreConflictError(`case ${snapshot.id} was changed concurrently (has ${have} events, expected ${expectedEvents}); reload and retry`);
      }
      await c.query(
        'INSERT INTO cra_case (id, state, updated_at, events, data) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, events = excluded.events, data = excluded.data',
        [snapshot.id, snapshot.state, snapshot.updatedAt, snapshot.events, JSON.stringify(snapshot.data)],
      );
      for (const e of events) {
        await c.query('INSERT INTO cra_case_event (case_id, seq, type, at, data) VALUES ($1, $2, $3, $4, $5)', [snapshot.id, e.seq, e.type, e.at, JSON.stringify(e.data)]);
      }
    });
  }

  async getCase(id: string): Promise<CaseRecord | undefined> {
    const r = await this.pool.query('SELECT id, state, updated_at, events, data FROM cra_case WHERE id = $1', [id]);
    return r.rows[0] ? toCase(r.rows[0]) : undefined;
  }

  async listCases(): Promise<CaseRecord[]> {
    const r = await this.pool.query('SELECT id, state, updated_at, events, data FROM cra_case ORDER BY id COLLATE "C"');
    return r.rows.map(toCase);
  }

  async listCaseEvents(caseId: string): Promise<CaseEventRecord[]> {
    const r = await this.pool.query('SELECT case_id, seq, type, at, data FROM cra_case_event WHERE case_id = $1 ORDER BY seq', [caseId]);
    return r.rows.map((x: { case_id: string; seq: number; type: string; at: string; data: string }) => ({ caseId: x.case_id, seq: Number(x.seq), type: x.type, at: x.at, data: JSON.parse(x.data) }));
  }

  async saveProduct(p: ProductRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO cra_product (name, version, updated_at, data) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, data = excluded.data',
      [p.name, p.version, p.updatedAt, JSON.stringify(p.data)],
    );
  }

  async getProduct(name: string): Promise<ProductRecord | undefined> {
    const r = await this.pool.query('SELECT name, version, updated_at, data FROM cra_product WHERE name = $1', [name]);
    return r.rows[0] ? toProduct(r.rows[0]) : undefined;
  }

  async listProducts(): Promise<ProductRecord[]> {
    const r = await this.pool.query('SELECT name, version, updated_at, data FROM cra_product ORDER BY name COLLATE "C"');
    return r.rows.map(toProduct);
  }

  async saveScan(scan: Omit<ScanRecord, 'id'>, findings: readonly ScanFindingRecord[], objects: readonly ScanObjectRecord[]): Promise<number> {
    checkUniqueKeys('finding', findings);
    checkUniqueKeys('object', objects);
    return this.tx(LOCK_SCANS, async (c) => {
      const r = await c.query('SELECT MAX(id) AS id FROM scan');
      const id = (r.rows[0]?.id === null || r.rows[0]?.id === undefined ? 0 : Number(r.rows[0].id)) + 1;
      await c.query(`INSERT INTO scan (${SCAN_COLUMNS}) VALUES (${Array.from({ length: 10 }, (_, i) => `$${i + 1}`).join(', ')}, NULL, NULL)`, [id, ...scanValues(scan)]);
      const insertAll = async (table: string, columns: string, width: number, rows: (string | null)[][]): Promise<void> => {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          const chunk = rows.slice(i, i + ROWS_PER_INSERT);
          await c.query(`INSERT INTO ${table} (scan_id, ${columns}) VALUES ${params(chunk.length, width + 1)}`, chunk.flatMap((v) => [id, ...v]));
        }
      };
      await insertAll('scan_finding', SCAN_FINDING_COLUMNS, 12, findings.map(scanFindingValues));
      await insertAll('scan_object', SCAN_OBJECT_COLUMNS, 8, objects.map(scanObjectValues));
      return id;
    });
  }

  async setScanEvidence(id: number, evidence: { seq: number; hash: string }): Promise<void> {
    const r = await this.pool.query('UPDATE scan SET evidence_seq = $1, evidence_hash = $2 WHERE id = $3 AND evidence_seq IS NULL', [evidence.seq, evidence.hash, id]);
    if ((r.rowCount ?? 0) === 0) throw new Error(`scan ${id} does not exist or is already linked to an evidence record`);
  }

  async getScan(id: number): Promise<ScanRecord | undefined> {
    const r = await this.pool.query<ScanRow>(`SELECT ${SCAN_COLUMNS} FROM scan WHERE id = $1`, [id]);
    return r.rows[0] ? toScan(r.rows[0]) : undefined;
  }

  async listScans(q: ScanQuery = {}): Promise<ScanRecord[]> {
    const args: (string | number)[] = [];
    const where: string[] = [];
    if (q.since !== undefined) {
      args.push(q.since);
      where.push(`time >= $${args.length}`);
    }
    if (q.upToId !== undefined) {
      args.push(q.upToId);
      where.push(`id <= $${args.length}`);
    }
    let sql = `SELECT ${SCAN_COLUMNS} FROM scan${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
    if (q.limit !== undefined) {
      args.push(q.limit);
      sql += ` LIMIT $${args.length}`;
    }
    const r = await this.pool.query<ScanRow>(sql, args);
    return r.rows.map(toScan).reverse();
  }

  async listScanFindings(id: number): Promise<ScanFindingRecord[]> {
    const r = await this.pool.query<ScanFindingRow>(`SELECT ${SCAN_FINDING_COLUMNS} FROM scan_finding WHERE scan_id = $1 ORDER BY key COLLATE "C"`, [id]);
    return r.rows.map(toScanFinding);
  }

  async listScanObjects(id: number): Promise<ScanObjectRecord[]> {
    const r = await this.pool.query<ScanObjectRow>(`SELECT ${SCAN_OBJECT_COLUMNS} FROM scan_object WHERE scan_id = $1 ORDER BY key COLLATE "C"`, [id]);
    return r.rows.map(toScanObject);
  }

  /** Direct SQL, for tests and maintenance. */
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
}

async function insertCheckpoint(c: pg.PoolClient, cp: Checkpoint): Promise<boolean> {
  const r = await c.query(
    'INSERT INTO evidence_checkpoint (seq, hash, time, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING',
    [cp.seq, cp.hash, cp.time, cp.keyId, cp.signature],
  );
  return (r.rowCount ?? 0) > 0;
}
