/**
 * The two store backends the store contract holds for, for tests that run against both: a fresh
 * SQLite file, or a fresh database on a real PostgreSQL server (test/helpers/postgres.ts).
 */
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import type { PostgresStore } from '../../src/store/postgres.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import type { OpenOptions, Store } from '../../src/store/types.js';
import type { PgServer } from './postgres.js';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** A URL naming a fresh, empty store. */
  fresh(): Promise<string>;
  /** Raw SQL on the store (tamper, inspect). */
  exec(store: Store, sql: string): Promise<void>;
}

let files = 0;

/** SQLite stores as files in `dir`; PostgreSQL stores as databases on `pg`. */
export function storeBackends(pg: PgServer, dir: string): StoreBackend[] {
  return [
    { name: 'sqlite', fresh: async () => path.join(dir, `store-${++files}.db`), exec: async (s, sql) => (s as SqliteStore).exec(sql) },
    { name: 'postgres', fresh: () => pg.createDatabase(), exec: (s, sql) => (s as PostgresStore).exec(sql) },
  ];
}

/** Opens the store, runs `fn` on it, and closes it whatever happens. */
export async function withStore<T>(url: string, fn: (s: Store) => Promise<T>, opts?: OpenOptions): Promise<T> {
  const s = await openStore(url, opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
