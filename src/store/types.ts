/**
 * The store: one small async interface with a SQLite (embedded, default) and a PostgreSQL implementation.
 * Everything the evidence log needs goes through it, so the same contract tests run against both.
 */

/** One entry of the append-only, hash-chained evidence log. */
export interface EvidenceRecord {
  /** 1, 2, 3 … without gaps. */
  seq: number;
  /** scan-summary, admission-decision, exception-change, case-transition, report-issued, note … */
  kind: string;
  /** RFC 3339 UTC time of the append. */
  time: string;
  /** Any JSON value. */
  payload: unknown;
  /** The hash of record seq-1 (64 zeros for record 1). */
  prevHash: string;
  /** sha256 hex over prevHash, seq, kind, time and the canonical JSON of payload. */
  hash: string;
}

/** A signed statement "record `seq` has hash `hash`" (Ed25519). */
export interface Checkpoint {
  seq: number;
  hash: string;
  time: string;
  /** sha256 hex of the signer's public key (SPKI DER). */
  keyId: string;
  /** base64 Ed25519 signature over checkpointMessage(). */
  signature: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface EvidenceQuery {
  /** Only records with seq > afterSeq. */
  afterSeq?: number;
  kind?: string;
  /** Only records with time >= since (RFC 3339). */
  since?: string;
  limit?: number;
}

/**
 * Called inside the append transaction, with the chain head locked: returns the record to insert
 * (it must be head.seq + 1) and, optionally, a checkpoint to insert in the same transaction.
 * Must be synchronous (SQLite transactions are).
 */
export type AppendBuilder = (head: ChainHead | undefined) => { record: EvidenceRecord; checkpoint?: Checkpoint };

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** A file path or a URL with any password removed; for messages. */
  readonly location: string;
  /** Applies pending migrations (up to `target`, default all); returns the schema version after. */
  migrate(target?: number): Promise<number>;
  /** The highest applied migration (0 for an empty database). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;

  /** Atomic under concurrency (other processes, other connections): the chain never forks. */
  appendEvidence(build: AppendBuilder): Promise<EvidenceRecord>;
  /** Records in seq order. */
  listEvidence(query?: EvidenceQuery): Promise<EvidenceRecord[]>;
  headEvidence(): Promise<ChainHead | undefined>;
  /** Inserts a checkpoint unless one exists for the same seq; returns whether it was inserted. */
  addCheckpoint(checkpoint: Checkpoint): Promise<boolean>;
  /** Checkpoints in seq order. */
  listCheckpoints(): Promise<Checkpoint[]>;

  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string): Promise<void>;

  // CRA (schema v3). The store keeps the data as opaque JSON; src/cra/repository.ts gives it meaning.
  /**
   * Atomically upserts the case snapshot and appends `events` (seq expected.events+1 …). Fails with
   * StoreConflictError when the stored case does not have exactly `expectedEvents` events (another writer won).
   */
  saveCase(snapshot: CaseRecord, events: readonly CaseEventRecord[], expectedEvents: number): Promise<void>;
  getCase(id: string): Promise<CaseRecord | undefined>;
  /** Every case, by id. */
  listCases(): Promise<CaseRecord[]>;
  /** A case's events in seq order (append-only: never updated or deleted). */
  listCaseEvents(caseId: string): Promise<CaseEventRecord[]>;
  saveProduct(product: ProductRecord): Promise<void>;
  getProduct(name: string): Promise<ProductRecord | undefined>;
  listProducts(): Promise<ProductRecord[]>;
}

export interface CaseRecord {
  id: string;
  state: string;
  updatedAt: string;
  /** The number of events the snapshot reflects. */
  events: number;
  /** The case snapshot (any JSON value). */
  data: unknown;
}

export interface CaseEventRecord {
  caseId: string;
  /** 1, 2, 3 … per case. */
  seq: number;
  type: string;
  at: string;
  data: unknown;
}

export interface ProductRecord {
  name: string;
  version: string;
  updatedAt: string;
  data: unknown;
}

/** A concurrent writer changed the case first; reload and retry. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

export interface OpenOptions {
  /** Apply migrations on open (default true); a number stops at that version (tests of upgrades). */
  migrate?: boolean | number;
}
