/**
 * A minimal Kubernetes API client of our own, on node:https: enough to list and watch one resource
 * type the way client-go's Reflector does, and nothing else (no dependency, no kubeconfig parsing).
 *
 * Connection: in the cluster, `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` and the service
 * account files under /var/run/secrets/kubernetes.io/serviceaccount (token, ca.crt); or an explicit
 * API URL, CA file and token file. The token file is re-read every minute (and after a 401): projected
 * tokens are rotated by the kubelet; the CA file is re-read with it.
 *
 * List and watch (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
 * a list in pages (`limit`/`continue`; an expired continue token — 410 — restarts the list, without
 * `limit` after two expirations), then a watch from the list's resourceVersion with bookmarks
 * (`watch=1&resourceVersion=…&allowWatchBookmarks=true&timeoutSeconds=…`), newline-delimited JSON
 * WatchEvents: ADDED, MODIFIED, DELETED update the store, BOOKMARK moves the resourceVersion, ERROR
 * ends the watch. A watch the server ends normally (its timeoutSeconds) is resumed from the last
 * resourceVersion; 410 Gone (as the HTTP status or as an ERROR event) means that version is
 * compacted: relist at once. Anything else — a broken stream, a timeout, an HTTP error, undecodable
 * data — relists after a capped exponential backoff with jitter.
 *
 * Every request is bounded: a list page by the request timeout, a watch by its timeoutSeconds plus a
 * read grace period (and the request timeout for its response headers). Nothing here throws out of
 * the loop: errors go to `onError`, which the caller counts and logs.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isObject } from '../core/inventory.js';
import type { JsonObject } from '../core/types.js';

/** Where a pod finds its service account credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConnection {
  /** The API server's base URL, https only (`https://10.96.0.1:443`). */
  server: string;
  /** PEM file of the CA bundle that verifies the API server; undefined: the system's trusted CAs. */
  caFile?: string;
  /** File holding the bearer token (re-read periodically). */
  tokenFile: string;
}

/** A connection that cannot be set up (not in a cluster, a bad URL). */
export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

/** The in-cluster connection, from the environment the kubelet gives every pod and the service account files. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeConfigError('not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new KubeConfigError(`KUBERNETES_SERVICE_PORT is not a port number: ${port}`);
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { server: checkServerUrl(`https://${h}:${port}`), caFile: path.join(dir, 'ca.crt'), tokenFile: path.join(dir, 'token') };
}

/** The base URL without a trailing slash; throws KubeConfigError unless it is an https URL without query or credentials. */
export function checkServerUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new KubeConfigError(`not a URL: ${text}`);
  }
  if (u.protocol !== 'https:') throw new KubeConfigError(`the API server URL must be https (the token is a credential): ${text}`);
  if (u.username || u.password) throw new KubeConfigError('the API server URL must not carry credentials');
  if (u.search || u.hash) throw new KubeConfigError(`the API server URL must not have a query or fragment: ${text}`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/** Why a request failed, as counted in kubecomply_exception_source_errors_total{reason}. */
export type KubeErrorReason =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'http'
  | 'timeout'
  | 'network'
  | 'stream'
  | 'decode'
  | 'credentials'
  | 'watch_error';

export class KubeApiError extends Error {
  constructor(
    readonly reason: KubeErrorReason,
    message: string,
    /** The HTTP status (or the Status code of a watch ERROR event), when there was one. */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** A resourceVersion too old to list from or watch from (410 Gone): not an error, a reason to relist. */
export class GoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoneError';
  }
}

function reasonOf(status: number): KubeErrorReason {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  return 'http';
}

/** The message of a Kubernetes Status body, when the body is one. */
function statusMessage(body: string): string | undefined {
  try {
    const s = JSON.parse(body) as unknown;
    if (isObject(s) && s.kind === 'Status' && typeof s.message === 'string') return s.message;
  } catch {
    // not JSON
  }
  return undefined;
}

function clip(s: string, n = 300): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

export interface KubeClientOptions {
  /** Deadline of a whole non-watch request, and of a watch's response headers (default 30 s). */
  requestTimeoutMs?: number;
  /** How often the token and CA files are re-read (default 60 s; always after a 401). */
  credentialsRefreshMs?: number;
  /** Largest list response accepted (default 64 MiB). */
  maxBodyBytes?: number;
  /** Longest watch event line accepted (default 16 MiB). */
  maxLineBytes?: number;
  userAgent?: string;
  now?: () => number;
}

export interface WatchHandlers {
  /** One decoded line of the stream. Throwing ends the watch with that error. */
  onEvent(event: JsonObject): void;
  /** Called once the server answered 200 (the watch is established). */
  onOpen?(): void;
}

interface Credentials {
  token: string;
  ca: Buffer | undefined;
  readAt: number;
}

/** Bearer-token HTTPS requests to one API server; each one on its own connection, bounded in time. */
export class KubeClient {
  private creds: Credentials | undefined;
  private readonly requestTimeoutMs: number;
  private readonly refreshMs: number;
  private readonly maxBody: number;
  private readonly maxLine: number;
  private readonly now: () => number;
  private readonly inFlight = new Set<{ destroy(e?: Error): void }>();

  constructor(
    readonly connection: KubeConnection,
    private readonly opts: KubeClientOptions = {},
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.refreshMs = opts.credentialsRefreshMs ?? 60_000;
    this.maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.maxLine = opts.maxLineBytes ?? 16 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
  }

  /** The clock the client times credentials with (ms). */
  get clock(): () => number {
    return this.now;
  }

  /** Forgets the cached token and CA: the next request reads the files again. */
  invalidateCredentials(): void {
    this.creds = undefined;
  }

  private credentials(): Credentials {
    const t = this.now();
    if (this.creds && t - this.creds.readAt < this.refreshMs) return this.creds;
    let token: string;
    try {
      token = readFileSync(this.connection.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new KubeApiError('credentials', `cannot read the token file ${this.connection.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (token === '') throw new KubeApiError('credentials', `the token file ${this.connection.tokenFile} is empty`);
    if (/[\r\n]/.test(token)) throw new KubeApiError('credentials', `the token file ${this.connection.tokenFile} holds more than one line`);
    let ca: Buffer | undefined;
    if (this.connection.caFile !== undefined) {
      try {
        ca = readFileSync(this.connection.caFile);
      } catch (e) {
        throw new KubeApiError('credentials', `cannot read the CA file ${this.connection.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    this.creds = { token, ca, readAt: t };
    return this.creds;
  }

  /** Aborts every request in flight (their promises reject). */
  abortAll(): void {
    for (const r of [...this.inFlight]) r.destroy(new KubeApiError('network', 'aborted'));
  }

  private open(urlPath: string, query: Record<string, string>, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void): { destroy(e?: Error): void } {
    const creds = this.credentials();
    const qs = new URLSearchParams(query).toString();
    const url = new URL(`${this.connection.server}${urlPath}${qs ? `?${qs}` : ''}`);
    const req = httpsRequest(url, {
      method: 'GET',
      agent: false,
      ...(creds.ca ? { ca: creds.ca } : {}),
      headers: {
        Authorization: `Bearer ${creds.token}`,
        Accept: 'application/json',
        'User-Agent': this.opts.userAgent ?? 'kubecomply',
      },
    });
    const handle = { destroy: (e?: Error) => req.destroy(e) };
    this.inFlight.add(handle);
    req.on('close', () => this.inFlight.delete(handle));
    req.on('socket', (s) => s.setKeepAlive(true, 30_000));
    req.on('response', onResponse);
    req.on('error', onError);
    req.end();
    return handle;
  }

  private describe(urlPath: string): string {
    return `GET ${urlPath}`;
  }

  private httpError(urlPath: string, status: number, body: string): KubeApiError | GoneError {
    const msg = statusMessage(body) ?? clip(body, 200);
    if (status === 410) return new GoneError(msg || 'Gone');
    if (status === 401) this.invalidateCredentials();
    return new KubeApiError(reasonOf(status), `${this.describe(urlPath)}: ${status}${msg ? `: ${clip(msg)}` : ''}`, status);
  }

  private networkError(urlPath: string, e: unknown): KubeApiError {
    if (e instanceof KubeApiError) return e;
    const err = e as NodeJS.ErrnoException;
    const message = clip(err.message ?? String(e));
    return new KubeApiError('network', `${this.describe(urlPath)}: ${err.code && !message.includes(err.code) ? `${err.code}: ` : ''}${message}`);
  }

  /** GET returning the decoded JSON body of a 200; rejects with KubeApiError, or GoneError on 410. */
  getJson(urlPath: string, query: Record<string, string> = {}): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (e: Error | undefined, v?: JsonObject): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (e) reject(e);
        else resolve(v!);
      };
      let handle: { destroy(e?: Error): void } | undefined;
      const timer = setTimeout(() => {
        const e = new KubeApiError('timeout', `${this.describe(urlPath)}: no complete answer within ${this.requestTimeoutMs} ms`);
        handle?.destroy(e);
        done(e);
      }, this.requestTimeoutMs);
      timer.unref();
      try {
        handle = this.open(
          urlPath,
          query,
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > this.maxBody) {
                const e = new KubeApiError('decode', `${this.describe(urlPath)}: the answer is larger than ${this.maxBody} bytes`);
                res.destroy(e);
                done(e);
                return;
              }
              chunks.push(c);
            });
            res.on('error', (e) => done(this.networkError(urlPath, e)));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status !== 200) return done(this.httpError(urlPath, status, text));
              try {
                const v = JSON.parse(text) as unknown;
                if (!isObject(v)) throw new Error('not a JSON object');
                done(undefined, v);
              } catch (e) {
                done(new KubeApiError('decode', `${this.describe(urlPath)}: the answer is not JSON: ${clip((e as Error).message, 120)}`));
              }
            });
          },
          (e) => done(this.networkError(urlPath, e)),
        );
      } catch (e) {
        done(this.networkError(urlPath, e));
      }
    });
  }

  /**
   * A watch request: resolves when the server ends the stream normally, rejects with GoneError on a
   * 410 answer, KubeApiError otherwise (reason `stream` when an established stream broke, `timeout`
   * when it outlived `deadlineMs`). Lines are handed to `onEvent` in order.
   */
  watch(urlPath: string, query: Record<string, string>, deadlineMs: number, h: WatchHandlers): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let opened = false;
      const done = (e: Error | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(headerTimer);
        clearTimeout(deadline);
        if (e) {
          handle?.destroy();
          reject(e);
        } else resolve();
      };
      let handle: { destroy(e?: Error): void } | undefined;
      const headerTimer = setTimeout(() => done(new KubeApiError('timeout', `${this.describe(urlPath)} (watch): no answer within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
      headerTimer.unref();
      const deadline = setTimeout(() => done(new KubeApiError('timeout', `${this.describe(urlPath)} (watch): still open ${deadlineMs} ms after it started, past its timeoutSeconds`)), deadlineMs);
      deadline.unref();
      try {
        handle = this.open(
          urlPath,
          query,
          (res) => {
            clearTimeout(headerTimer);
            const status = res.statusCode ?? 0;
            if (status !== 200) {
              const chunks: Buffer[] = [];
              let size = 0;
              res.on('data', (c: Buffer) => {
                size += c.length;
                if (size <= 64 * 1024) chunks.push(c);
              });
              res.on('error', (e) => done(this.networkError(urlPath, e)));
              res.on('end', () => done(this.httpError(urlPath, status, Buffer.concat(chunks).toString('utf8'))));
              return;
            }
            opened = true;
            try {
              h.onOpen?.();
            } catch (e) {
              return done(e as Error);
            }
            const decoder = new StringDecoder('utf8');
            let pending = '';
            const line = (text: string): boolean => {
              if (text.trim() === '') return true;
              let ev: unknown;
              try {
                ev = JSON.parse(text);
              } catch (e) {
                done(new KubeApiError('decode', `${this.describe(urlPath)} (watch): an event is not JSON: ${clip((e as Error).message, 120)}`));
                return false;
              }
              if (!isObject(ev)) {
                done(new KubeApiError('decode', `${this.describe(urlPath)} (watch): an event is not a JSON object`));
                return false;
              }
              try {
                h.onEvent(ev);
              } catch (e) {
                done(e as Error);
                return false;
              }
              return true;
            };
            res.on('data', (c: Buffer) => {
              if (settled) return;
              pending += decoder.write(c);
              let nl: number;
              while ((nl = pending.indexOf('\n')) >= 0) {
                const text = pending.slice(0, nl);
                pending = pending.slice(nl + 1);
                if (!line(text)) return;
              }
              if (pending.length > this.maxLine) done(new KubeApiError('decode', `${this.describe(urlPath)} (watch): an event is longer than ${this.maxLine} bytes`));
            });
            res.on('error', () => {
              // 'close' below reports it.
            });
            res.on('close', () => {
              if (settled) return;
              if (!res.complete) return done(new KubeApiError('stream', `${this.describe(urlPath)} (watch): the stream broke`));
              pending += decoder.end();
              if (pending.trim() !== '' && !line(pending)) return;
              done(undefined);
            });
          },
          (e) => done(opened ? new KubeApiError('stream', `${this.describe(urlPath)} (watch): the stream broke: ${clip((e as Error).message, 120)}`) : this.networkError(urlPath, e)),
        );
      } catch (e) {
        done(this.networkError(urlPath, e));
      }
    });
  }
}

// ------------------------------------------------------------------ list and watch

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListWatchChange {
  /** LIST: the store was replaced by a (re)list; otherwise the event that changed one object. */
  type: 'LIST' | WatchEventType;
  object?: JsonObject;
}

export interface ListWatchOptions {
  client: KubeClient;
  /** The collection, e.g. /apis/kubecomply.io/v1alpha1/complianceexceptions (every namespace). */
  path: string;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** timeoutSeconds of each watch (default: random from 300 to 600, as client-go). */
  watchTimeoutSeconds?: () => number;
  /** How long past its timeoutSeconds a watch may stay open before it is cut (default 30 s). */
  readGraceMs?: number;
  /** Backoff between failed attempts: initial delay, doubled up to the cap (defaults 1 s, 30 s), with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A watch that ran this long is healthy: the backoff starts over (default 10 s). */
  healthyWatchMs?: number;
  random?: () => number;
  /** The store changed; `items` is all of it, sorted by namespace/name. */
  onChange(items: readonly JsonObject[], change: ListWatchChange): void;
  /** A list completed (the store is in sync with the server). */
  onSynced?(items: number): void;
  /** An attempt failed; a retry follows after `retryInMs`. */
  onError(e: KubeApiError, retryInMs: number): void;
  /** A 410 Gone: the resourceVersion is compacted (or a continue token expired); a relist follows. */
  onGone?(what: 'list' | 'watch', message: string): void;
}

function metaOf(o: JsonObject): JsonObject {
  return isObject(o.metadata) ? o.metadata : {};
}

function keyOf(o: JsonObject): string | undefined {
  const m = metaOf(o);
  if (typeof m.name !== 'string' || m.name === '') return undefined;
  return `${typeof m.namespace === 'string' ? m.namespace : ''}/${m.name}`;
}

function rvOf(o: JsonObject): string | undefined {
  const rv = metaOf(o).resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/** Lists, then watches, one collection for as long as it runs; keeps a store of its objects. */
export class ListWatcher {
  private readonly store = new Map<string, JsonObject>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private failures = 0;
  private resourceVersion: string | undefined;

  constructor(private readonly o: ListWatchOptions) {}

  /** The objects now, sorted by namespace/name. */
  items(): JsonObject[] {
    return [...this.store.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }

  /** The resourceVersion the next watch starts from. */
  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop();
  }

  /** Stops: aborts the request in flight, resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
    }
    this.o.client.abortAll();
    await this.running;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.sleeper = { timer, resolve };
    });
  }

  /** Capped exponential backoff with jitter: half the delay fixed, half random. */
  private backoff(): number {
    const initial = this.o.initialBackoffMs ?? 1000;
    const max = this.o.maxBackoffMs ?? 30_000;
    const d = Math.min(max, initial * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const r = (this.o.random ?? Math.random)();
    return Math.round(d / 2 + (r * d) / 2);
  }

  private async loop(): Promise<void> {
    const now = this.o.client.clock;
    let watchStarted: number | undefined;
    let quickGones = 0;
    while (!this.stopped) {
      try {
        // Relisting right after 410s that came at once: a server in that state gets the backoff too.
        if (quickGones > 2) await this.sleep(this.backoff());
        if (this.stopped) break;
        await this.list();
        if (this.stopped) break;
        // Watch, resuming from the last resourceVersion each time the server ends a watch normally.
        for (;;) {
          watchStarted = now();
          let events = 0;
          await this.watchOnce(() => events++);
          const lasted = now() - watchStarted;
          watchStarted = undefined;
          if (this.stopped) break;
          if (lasted >= 1000 || events > 0) {
            // The server ended the watch normally (its timeoutSeconds): healthy.
            this.failures = 0;
            quickGones = 0;
          } else {
            // A server that ends every watch at once, with nothing in it, must not make this spin.
            await this.sleep(this.backoff());
            if (this.stopped) break;
          }
        }
      } catch (e) {
        if (this.stopped) break;
        const lasted = watchStarted === undefined ? 0 : now() - watchStarted;
        watchStarted = undefined;
        // A failure after a long healthy watch starts the backoff over.
        if (lasted >= (this.o.healthyWatchMs ?? 10_000)) {
          this.failures = 0;
          quickGones = 0;
        }
        if (e instanceof GoneError) {
          quickGones = lasted < 1000 ? quickGones + 1 : 0;
          continue; // relist at once
        }
        const err = e instanceof KubeApiError ? e : new KubeApiError('network', e instanceof Error ? e.message : String(e));
        const wait = this.backoff();
        try {
          this.o.onError(err, wait);
        } catch {
          // the handler's problem, not the loop's
        }
        await this.sleep(wait);
      }
    }
  }

  private async list(): Promise<void> {
    const pageSize = this.o.pageSize ?? 500;
    let expirations = 0;
    for (;;) {
      const items: JsonObject[] = [];
      let cont: string | undefined;
      let rv: string | undefined;
      try {
        do {
          const query: Record<string, string> = {};
          if (expirations < 2) query.limit = String(pageSize);
          if (cont) query.continue = cont;
          const page = await this.o.client.getJson(this.o.path, query);
          const meta = metaOf(page);
          if (page.items !== null && page.items !== undefined && !Array.isArray(page.items)) throw new KubeApiError('decode', `GET ${this.o.path}: the answer is not a list (items is not an array)`);
          for (const it of (page.items as unknown[] | null | undefined) ?? []) if (isObject(it)) items.push(it);
          rv = typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '' ? meta.resourceVersion : undefined;
          if (rv === undefined) throw new KubeApiError('decode', `GET ${this.o.path}: the list has no metadata.resourceVersion to watch from`);
          cont = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
          if (this.stopped) return;
        } while (cont);
      } catch (e) {
        if (e instanceof GoneError && !this.stopped) {
          // The continue token expired: start over (and after two expirations, in one piece).
          expirations++;
          this.o.onGone?.('list', e.message);
          if (expirations > 3) throw new KubeApiError('http', `GET ${this.o.path}: the list expired ${expirations} times in a row (410)`, 410);
          continue;
        }
        throw e;
      }
      this.store.clear();
      for (const it of items) {
        const k = keyOf(it);
        if (k !== undefined) this.store.set(k, it);
      }
      this.resourceVersion = rv;
      this.o.onChange(this.items(), { type: 'LIST' });
      this.o.onSynced?.(this.store.size);
      return;
    }
  }

  private randomTimeout(): number {
    if (this.o.watchTimeoutSeconds) return this.o.watchTimeoutSeconds();
    return 300 + Math.floor((this.o.random ?? Math.random)() * 300);
  }

  private async watchOnce(counted: () => void): Promise<void> {
    const timeoutSeconds = this.randomTimeout();
    const query: Record<string, string> = {
      watch: '1',
      resourceVersion: this.resourceVersion ?? '',
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    };
    const handlers: WatchHandlers = {
      onEvent: (ev) => {
        if (this.stopped) return;
        const type = ev.type;
        const obj = ev.object;
        if (type === 'ERROR') {
          const s = isObject(obj) ? obj : {};
          const code = typeof s.code === 'number' ? s.code : undefined;
          const message = typeof s.message === 'string' ? s.message : 'watch error';
          if (code === 410) throw new GoneError(message);
          const byCode = code === undefined ? 'http' : reasonOf(code);
          const reason: KubeErrorReason = byCode === 'http' ? 'watch_error' : byCode;
          throw new KubeApiError(reason, `GET ${this.o.path} (watch): ERROR event${code !== undefined ? ` ${code}` : ''}: ${clip(message)}`, code);
        }
        if (!isObject(obj)) throw new KubeApiError('decode', `GET ${this.o.path} (watch): a ${String(type)} event without an object`);
        if (type === 'BOOKMARK') {
          const rv = rvOf(obj);
          if (rv !== undefined) this.resourceVersion = rv;
          return;
        }
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return; // unknown event types are skipped
        const k = keyOf(obj);
        if (k === undefined) throw new KubeApiError('decode', `GET ${this.o.path} (watch): a ${type} event for an object without metadata.name`);
        const rv = rvOf(obj);
        if (rv !== undefined) this.resourceVersion = rv;
        if (type === 'DELETED') this.store.delete(k);
        else this.store.set(k, obj);
        counted();
        this.o.onChange(this.items(), { type, object: obj });
      },
    };
    try {
      await this.o.client.watch(this.o.path, query, timeoutSeconds * 1000 + (this.o.readGraceMs ?? 30_000), handlers);
    } catch (e) {
      // 410: as the HTTP status of the watch request, or as an ERROR event in its stream.
      if (e instanceof GoneError && !this.stopped) this.o.onGone?.('watch', e.message);
      throw e;
    }
  }
}
