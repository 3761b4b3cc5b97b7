import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { OpenOptions, Store } from './types.js';

export type { Store, OpenOptions, EvidenceRecord, Checkpoint, ChainHead, EvidenceQuery } from './types.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

/** $KUBECOMPLY_DATA_DIR, else $XDG_DATA_HOME/kubecomply, else ~/.local/share/kubecomply. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBECOMPLY_DATA_DIR) return path.resolve(env.KUBECOMPLY_DATA_DIR);
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'kubecomply');
  return path.join(os.homedir(), '.local', 'share', 'kubecomply');
}

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultDataDir(env), 'kubecomply.db');
}

export type StoreTarget = { backend: 'sqlite'; file: string } | { backend: 'postgres'; url: string };

/** What a --store value names: a file path or sqlite: URL (SQLite), or a postgres:// URL. */
export function resolveStoreUrl(url?: string, env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const u = url ?? env.KUBECOMPLY_STORE;
  if (!u) return { backend: 'sqlite', file: defaultStorePath(env) };
  if (/^postgres(ql)?:\/\//i.test(u)) return { backend: 'postgres', url: u };
  if (/^file:/i.test(u)) return { backend: 'sqlite', file: fileURLToPath(u) };
  if (/^sqlite:/i.test(u)) {
    let rest = u.slice('sqlite:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2);
    if (rest === '') throw new Error('sqlite: URL without a file path');
    return { backend: 'sqlite', file: rest === ':memory:' ? rest : path.resolve(decodeURIComponent(rest)) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) throw new Error(`unsupported store URL ${u.split('://')[0]}:// (use a file path, sqlite:FILE or postgres://…)`);
  return { backend: 'sqlite', file: path.resolve(u) };
}

/** Opens (and by default migrates) the store named by `url`; see resolveStoreUrl. */
export async function openStore(url?: string, opts: OpenOptions = {}): Promise<Store> {
  const t = resolveStoreUrl(url);
  return t.backend === 'postgres' ? PostgresStore.open(t.url, opts) : SqliteStore.open(t.file, opts);
}
