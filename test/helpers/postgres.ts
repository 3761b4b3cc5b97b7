/**
 * A real, throwaway PostgreSQL server for tests: initdb into a temporary directory, `postgres` on a free
 * loopback port, stopped (and the directory removed) when the test file finishes. As root it runs as
 * `nobody` (PostgreSQL refuses root). The binaries come from PATH or /usr/lib/postgresql/<v>/bin;
 * .ci/postgres.sh installs them when missing — tests never skip for want of PostgreSQL.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort, stopProcess } from './net.js';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import pg from 'pg';

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** A fresh, empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

function findBinDir(): string {
  const candidates: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(dir);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(base, v, 'bin'));
  }
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  }
  throw new Error('PostgreSQL server binaries (initdb, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; run .ci/postgres.sh');
}


function nobody(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
  return { uid, gid };
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited early:\n${log()}`);
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not become ready in ${timeoutMs} ms:\n${log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Starts a server for the current test file (stopped automatically after it). */
export async function startPostgres(): Promise<PgServer> {
  const bin = findBinDir();
  const user = nobody();
  const root = mkdtempSync(path.join(os.tmpdir(), 'kubecomply-pg-'));
  const data = path.join(root, 'data');
  if (user) chownSync(root, user.uid, user.gid);
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...ids,
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    let log = '';
    const child = spawn(
      path.join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', root, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...ids },
    );
    child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      await waitReady(url, child, () => log, 60_000);
    } catch (e) {
      lastError = e;
      child.kill('SIGKILL');
      continue;
    }
    let counter = 0;
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await stopProcess(child, 'SIGINT', 10_000); // SIGINT: PostgreSQL's fast shutdown
      rmSync(root, { recursive: true, force: true });
    };
    after(stop);
    // If the test process dies without running `after`, do not leave the server behind.
    process.once('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return {
      url,
      port,
      stop,
      async createDatabase(name?: string): Promise<string> {
        const db = name ?? `t${process.pid}_${++counter}`;
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE "${db.replace(/"/g, '')}"`);
        } finally {
          await c.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${db}`;
      },
    };
  }
  rmSync(root, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
