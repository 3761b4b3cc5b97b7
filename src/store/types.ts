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

export interface Store extends ScanStore {
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

// Scan history (schema v4). src/store/scans.ts builds these from a scan result and diffs them.

/** One input of a recorded scan: a file, a directory (hash over its files) or standard input. */
export interface ScanInput {
  path: string;
  kind: 'file' | 'directory' | 'stdin' | 'missing';
  /** sha256 hex: of the file's bytes; of a directory, over "relpath\0sha256\n" of each file read; of stdin, over the documents read. */
  sha256: string | null;
  files: number;
  bytes: number;
}

/** A framework's outcome in a recorded scan, requirement by requirement (as the engine judged it at scan time). */
export interface ScanFrameworkRecord {
  id: string;
  name: string;
  version: string;
  source: string;
  score: number | null;
  counts: { pass: number; fail: number; manual: number; 'not-applicable': number };
  requirements: {
    id: string;
    title: string;
    section?: string;
    status: 'pass' | 'fail' | 'manual' | 'not-applicable';
    confidence: string;
    controls: string[];
    evaluated: number;
    findings: number;
    excepted: number;
    guidance?: string;
  }[];
}

/** A recorded scan: what was scanned, how, and how it came out. */
export interface ScanRecord {
  /** 1, 2, 3 … assigned by the store in the order scans are recorded. */
  id: number;
  /** RFC 3339 UTC time the scan started. */
  time: string;
  tool: string;
  inputs: ScanInput[];
  /** sha256 hex of the canonical JSON of `config`. */
  configHash: string;
  /** Pod Security level/version, default namespace, controls run, frameworks, exceptions mode … */
  config: Record<string, unknown>;
  counts: {
    resources: number;
    documents: number;
    findings: number;
    excepted: number;
    bySeverity: Record<string, number>;
    controls: number;
    objects: number;
    inputErrors: number;
  };
  frameworks: ScanFrameworkRecord[];
  /** The exceptions the scan judged (as `kubecomply exceptions list --format json` shows them). */
  exceptions: Record<string, unknown>[];
  /** sha256 hex over the canonical summary (everything above but id, plus the findings' and objects' hashes). */
  summaryHash: string;
  /** The evidence record ("scan recorded") that carries summaryHash, once appended. */
  evidence?: { seq: number; hash: string };
}

export interface ScanFindingRecord {
  /** Stable identity across scans: sha256 over control, kind, namespace, name and path. */
  key: string;
  control: string;
  severity: string;
  status: 'fail' | 'excepted';
  resource: { apiVersion: string; kind: string; namespace?: string; name: string };
  path: string;
  message: string;
  /** Where it was found (file:line), for reading. */
  location: string;
  /** `namespace/name` of the exception covering an excepted finding. */
  exception?: string;
}

export type ScanObjectCategory = 'network-policy' | 'rbac' | 'pod-security' | 'webhook' | 'exception';

/** A security-relevant object as seen by a scan, in canonical form, so two scans can be diffed. */
export interface ScanObjectRecord {
  category: ScanObjectCategory;
  /** `apiVersion-group/Kind/namespace/name`, stable across scans. */
  key: string;
  resource: { apiVersion: string; kind: string; namespace?: string; name: string };
  /** sha256 hex of `canonical`. */
  hash: string;
  /** Canonical JSON of the object's security-relevant content (volatile metadata removed). */
  canonical: string;
}

export interface ScanQuery {
  /** Only the newest `limit` scans (still returned oldest first). */
  limit?: number;
  /** Only scans with time >= since (RFC 3339). */
  since?: string;
  /** Only scans with id <= upToId (the history up to a given scan). */
  upToId?: number;
}

/** The scan-history part of the store (schema v4). */
export interface ScanStore {
  /** Stores a scan with its findings and objects atomically; assigns and returns its id (scan.id is ignored). */
  saveScan(scan: Omit<ScanRecord, 'id'>, findings: readonly ScanFindingRecord[], objects: readonly ScanObjectRecord[]): Promise<number>;
  /** Links a recorded scan to its evidence record (once; a second call fails). */
  setScanEvidence(id: number, evidence: { seq: number; hash: string }): Promise<void>;
  getScan(id: number): Promise<ScanRecord | undefined>;
  /** Scans oldest first. */
  listScans(query?: ScanQuery): Promise<ScanRecord[]>;
  /** A scan's findings, ordered by key. */
  listScanFindings(id: number): Promise<ScanFindingRecord[]>;
  /** A scan's objects, ordered by key. */
  listScanObjects(id: number): Promise<ScanObjectRecord[]>;
}
