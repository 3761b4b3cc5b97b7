/**
 * Versioned schema migrations. Each is applied once, in its own transaction, and recorded in
 * schema_version. Never edit a released migration: add a new one, so that a database written by an
 * older kubecomply is upgraded in place and stays readable by a newer one.
 */

export interface Migration {
  version: number;
  name: string;
  sqlite: readonly string[];
  postgres: readonly string[];
}

/** Migration 3's tables: plain SQL that SQLite and PostgreSQL both accept. */
const CRA_TABLES: readonly string[] = [
      `CREATE TABLE cra_product (
         name TEXT PRIMARY KEY,
         version TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         data TEXT NOT NULL
       )`,
      `CREATE TABLE cra_case (
         id TEXT PRIMARY KEY,
         state TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         events INTEGER NOT NULL,
         data TEXT NOT NULL
       )`,
      `CREATE TABLE cra_case_event (
         case_id TEXT NOT NULL REFERENCES cra_case (id),
         seq INTEGER NOT NULL,
         type TEXT NOT NULL,
         at TEXT NOT NULL,
         data TEXT NOT NULL,
         PRIMARY KEY (case_id, seq)
       )`,
      `CREATE INDEX cra_case_state_idx ON cra_case (state)`,
    ];

/** Migration 4's tables (scan history); `int` is the integer type of the backend. */
const scanTables = (int: string): readonly string[] => [
  `CREATE TABLE scan (
     id ${int} PRIMARY KEY,
     time TEXT NOT NULL,
     tool TEXT NOT NULL,
     inputs TEXT NOT NULL,
     config_hash TEXT NOT NULL,
     config TEXT NOT NULL,
     counts TEXT NOT NULL,
     frameworks TEXT NOT NULL,
     exceptions TEXT NOT NULL,
     summary_hash TEXT NOT NULL,
     evidence_seq ${int},
     evidence_hash TEXT
   )`,
  `CREATE INDEX scan_time_idx ON scan (time)`,
  `CREATE TABLE scan_finding (
     scan_id ${int} NOT NULL REFERENCES scan (id),
     key TEXT NOT NULL,
     control TEXT NOT NULL,
     severity TEXT NOT NULL,
     status TEXT NOT NULL,
     api_version TEXT NOT NULL,
     kind TEXT NOT NULL,
     namespace TEXT,
     name TEXT NOT NULL,
     path TEXT NOT NULL,
     message TEXT NOT NULL,
     location TEXT NOT NULL,
     exception TEXT,
     PRIMARY KEY (scan_id, key)
   )`,
  `CREATE INDEX scan_finding_control_idx ON scan_finding (control, scan_id)`,
  `CREATE TABLE scan_object (
     scan_id ${int} NOT NULL REFERENCES scan (id),
     key TEXT NOT NULL,
     category TEXT NOT NULL,
     api_version TEXT NOT NULL,
     kind TEXT NOT NULL,
     namespace TEXT,
     name TEXT NOT NULL,
     hash TEXT NOT NULL,
     canonical TEXT NOT NULL,
     PRIMARY KEY (scan_id, key)
   )`,
];

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'evidence log and key/value settings',
    sqlite: [
      `CREATE TABLE evidence (
         seq INTEGER PRIMARY KEY,
         kind TEXT NOT NULL,
         time TEXT NOT NULL,
         payload TEXT NOT NULL,
         prev_hash TEXT NOT NULL,
         hash TEXT NOT NULL
       )`,
      `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
    postgres: [
      `CREATE TABLE evidence (
         seq BIGINT PRIMARY KEY,
         kind TEXT NOT NULL,
         time TEXT NOT NULL,
         payload TEXT NOT NULL,
         prev_hash TEXT NOT NULL,
         hash TEXT NOT NULL
       )`,
      `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
  },
  {
    version: 2,
    name: 'signed evidence checkpoints; evidence indexes',
    sqlite: [
      `CREATE TABLE evidence_checkpoint (
         seq INTEGER PRIMARY KEY,
         hash TEXT NOT NULL,
         time TEXT NOT NULL,
         key_id TEXT NOT NULL,
         signature TEXT NOT NULL
       )`,
      `CREATE INDEX evidence_kind_idx ON evidence (kind, seq)`,
      `CREATE INDEX evidence_time_idx ON evidence (time)`,
    ],
    postgres: [
      `CREATE TABLE evidence_checkpoint (
         seq BIGINT PRIMARY KEY,
         hash TEXT NOT NULL,
         time TEXT NOT NULL,
         key_id TEXT NOT NULL,
         signature TEXT NOT NULL
       )`,
      `CREATE INDEX evidence_kind_idx ON evidence (kind, seq)`,
      `CREATE INDEX evidence_time_idx ON evidence (time)`,
    ],
  },
  {
    version: 3,
    name: 'CRA products, case snapshots and append-only case events',
    // The same SQL on both backends.
    sqlite: CRA_TABLES,
    postgres: CRA_TABLES,
  },
  {
    version: 4,
    name: 'scan history: scans, their findings and security-relevant objects',
    sqlite: scanTables('INTEGER'),
    postgres: scanTables('BIGINT'),
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export const SCHEMA_VERSION_DDL = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** The migrations to apply to go from `current` to `target`; refuses a database newer than this code. */
export function pendingMigrations(current: number, target: number = LATEST_SCHEMA_VERSION): Migration[] {
  if (current > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `the store's schema version ${current} is newer than this kubecomply knows (${LATEST_SCHEMA_VERSION}); upgrade kubecomply`,
    );
  }
  if (!Number.isInteger(target) || target < 0 || target > LATEST_SCHEMA_VERSION) {
    throw new Error(`no schema version ${target} (known: 0..${LATEST_SCHEMA_VERSION})`);
  }
  return MIGRATIONS.filter((m) => m.version > current && m.version <= target);
}
