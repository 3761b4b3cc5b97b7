import pg from 'pg';
import { LATEST_SCHEMA_VERSION, pendingMigrations, SCHEMA_VERSION_DDL } from './migrations.js';
import type { AppendBuilder, ChainHead, Checkpoint, EvidenceQuery, EvidenceRecord, OpenOptions, Store } from './types.js';

/** pg_advisory_xact_lock keys (arbitrary constants, one per purpose). */
const LOCK_MIGRATE = 0x6b63_0001;
const LOCK_EVIDENCE = 0x6b63_0002;

interface EvidenceRow {
  seq: string;
  kind: string;
  time: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  seq: string;
  hash: string;
  time: string;
  key_id: string;
  signature: string;
}

function toRecord(r: EvidenceRow): EvidenceRecord {
  return { seq: Number(r.seq), kind: r.kind, time: r.time, payload: JSON.parse(r.payload), prevHash: r.prev_hash, hash: r.hash };
}

function toCheckpoint(r: CheckpointRow): Checkpoint {
  return { seq: Number(r.seq), hash: r.hash, time: r.time, keyId: r.key_id, signature: r.signature };
}

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
