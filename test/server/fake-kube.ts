/**
 * A small Kubernetes API server for one collection — ComplianceExceptions, all namespaces — over HTTPS
 * on 127.0.0.1 with a CA from src/server/certs.ts, speaking the list/watch protocol of
 * https://kubernetes.io/docs/reference/using-api/api-concepts/:
 *
 * - `GET /apis/kubecomply.io/v1alpha1/complianceexceptions?limit=N[&continue=T]`: a consistent
 *   snapshot in pages; every page carries the snapshot's resourceVersion; `continue` is empty on the
 *   last page; a continue token older than the compaction revision is answered 410 Gone (Expired);
 * - `…?watch=1&resourceVersion=RV&allowWatchBookmarks=true&timeoutSeconds=S`: 200, chunked,
 *   newline-delimited WatchEvents of every change after RV (replayed, then live), BOOKMARK events on
 *   request, the stream ended after S seconds; a compacted RV gets an ERROR event with a 410 Status
 *   (or, with `gone: 'http'`, an HTTP 410);
 * - bearer tokens checked on every request (401 Status), 403 and 404 on demand.
 *
 * resourceVersions are a global revision counter, as etcd's: `compact()` also bumps it, as unrelated
 * writes in the cluster would. The test controls everything else: cut or end the open watches, hold
 * new watches, hang requests, send garbage.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCerts } from './helpers.js';

export const PATH = '/apis/kubecomply.io/v1alpha1/complianceexceptions';
export type Obj = Record<string, any>;

export interface Recorded {
  kind: 'list' | 'watch' | 'other';
  path: string;
  query: URLSearchParams;
  token: string | undefined;
  status?: number;
}

interface Watcher {
  res: ServerResponse;
  from: number;
  bookmarks: boolean;
  timer: NodeJS.Timeout | undefined;
}

function status(code: number, reason: string, message: string, extra: Obj = {}): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: extra, status: 'Failure', message, reason, code });
}

export class FakeKubeApi {
  readonly tokens = new Set<string>(['good-token']);
  readonly requests: Recorded[] = [];
  /** Continue tokens issued, in order. */
  readonly issued: string[] = [];
  rv = 100;
  compactedRv = 0;
  gone: 'event' | 'http' = 'event';
  mode: 'ok' | 'forbidden' | 'not-found' | 'hang' = 'ok';
  /** New watch requests wait while this is set (released by `release()`). */
  private hold: Promise<void> | undefined;
  private releaseHold: (() => void) | undefined;
  /** Ignore the watch's timeoutSeconds (a misbehaving server or proxy). */
  ignoreWatchTimeout = false;
  /** Called before each list page is answered (n counts list requests from 1). */
  beforeList: ((n: number, query: URLSearchParams) => void) | undefined;
  private readonly objects = new Map<string, Obj>();
  private readonly states = new Map<number, Obj[]>();
  private readonly events: { rv: number; type: string; object: Obj }[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly hanging = new Set<ServerResponse>();
  private lists = 0;
  private server!: Server;
  port = 0;
  ca = '';

  static async start(): Promise<FakeKubeApi> {
    const f = new FakeKubeApi();
    const { ca, leaf } = await testCerts();
    f.ca = ca.certPem;
    f.server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => f.handle(req, res));
    f.server.listen(0, '127.0.0.1');
    await once(f.server, 'listening');
    f.port = (f.server.address() as AddressInfo).port;
    f.snapshot();
    return f;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  listRequests(): Recorded[] {
    return this.requests.filter((r) => r.kind === 'list');
  }

  watchRequests(): Recorded[] {
    return this.requests.filter((r) => r.kind === 'watch');
  }

  /** Resolves once `pred` holds (checked every 10 ms), or rejects after `ms`. */
  async until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // ---- the objects ----

  private key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  private snapshot(): void {
    this.states.set(this.rv, [...this.objects.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => structuredClone(e[1])));
  }

  private emit(type: string, object: Obj): void {
    const ev = { rv: this.rv, type, object: structuredClone(object) };
    this.events.push(ev);
    for (const w of this.watchers) if (ev.rv > w.from) w.res.write(`${JSON.stringify({ type, object: ev.object })}\n`);
  }

  /** Creates a ComplianceException (ADDED). */
  create(ns: string, name: string, spec: Obj): Obj {
    this.rv++;
    const o = {
      apiVersion: 'kubecomply.io/v1alpha1',
      kind: 'ComplianceException',
      metadata: { name, namespace: ns, uid: `uid-${ns}-${name}-${this.rv}`, resourceVersion: String(this.rv), generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec,
    };
    this.objects.set(this.key(ns, name), o);
    this.snapshot();
    this.emit('ADDED', o);
    return o;
  }

  /** Replaces the spec (MODIFIED). */
  update(ns: string, name: string, spec: Obj): Obj {
    const o = this.objects.get(this.key(ns, name));
    if (!o) throw new Error(`no ${ns}/${name}`);
    this.rv++;
    o.spec = spec;
    o.metadata.resourceVersion = String(this.rv);
    o.metadata.generation++;
    this.snapshot();
    this.emit('MODIFIED', o);
    return o;
  }

  /** Deletes (DELETED, with the last state at the deletion's resourceVersion). */
  delete(ns: string, name: string): void {
    const o = this.objects.get(this.key(ns, name));
    if (!o) throw new Error(`no ${ns}/${name}`);
    this.rv++;
    this.objects.delete(this.key(ns, name));
    o.metadata.resourceVersion = String(this.rv);
    this.snapshot();
    this.emit('DELETED', o);
  }

  /** Compacts history up to now: older watches and continue tokens get 410. Bumps the revision, as unrelated writes would. */
  compact(): void {
    this.rv++;
    this.compactedRv = this.rv;
    this.snapshot();
    for (const k of [...this.states.keys()]) if (k < this.compactedRv) this.states.delete(k);
  }

  /** A BOOKMARK with the current revision to every watch that asked for bookmarks. */
  bookmark(): string {
    this.rv++; // unrelated writes happened; the bookmark says none concerns this watch
    this.snapshot();
    for (const w of this.watchers) {
      if (w.bookmarks) w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'ComplianceException', apiVersion: 'kubecomply.io/v1alpha1', metadata: { resourceVersion: String(this.rv) } } })}\n`);
    }
    return String(this.rv);
  }

  /** Breaks every open watch mid-event (half a line, then the connection is destroyed). */
  cutWatches(): void {
    for (const w of [...this.watchers]) {
      w.res.write('{"type":"MODIFIED","obj');
      this.dropWatcher(w);
      w.res.socket?.destroy();
    }
  }

  /** Ends every open watch normally, as its timeoutSeconds would. */
  endWatches(): void {
    for (const w of [...this.watchers]) {
      this.dropWatcher(w);
      w.res.end();
    }
  }

  /** Writes a line that is not JSON to every open watch. */
  garbage(): void {
    for (const w of this.watchers) w.res.write('this is not JSON\n');
  }

  holdWatches(): void {
    this.hold ??= new Promise<void>((r) => (this.releaseHold = r));
  }

  release(): void {
    this.releaseHold?.();
    this.hold = undefined;
    this.releaseHold = undefined;
  }

  async close(): Promise<void> {
    this.release();
    for (const w of [...this.watchers]) {
      this.dropWatcher(w);
      w.res.socket?.destroy();
    }
    for (const r of this.hanging) r.socket?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private dropWatcher(w: Watcher): void {
    if (w.timer) clearTimeout(w.timer);
    this.watchers.delete(w);
  }

  // ---- HTTP ----

  private send(res: ServerResponse, rec: Recorded, code: number, body: string): void {
    rec.status = code;
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const watch = u.searchParams.get('watch') === '1' || u.searchParams.get('watch') === 'true';
    const rec: Recorded = { kind: u.pathname === PATH ? (watch ? 'watch' : 'list') : 'other', path: u.pathname, query: u.searchParams, token };
    this.requests.push(rec);
    if (token === undefined || !this.tokens.has(token)) return this.send(res, rec, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (this.mode === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (u.pathname !== PATH || this.mode === 'not-found') return this.send(res, rec, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    if (this.mode === 'forbidden') {
      return this.send(
        res,
        rec,
        403,
        status(403, 'Forbidden', `complianceexceptions.kubecomply.io is forbidden: User "system:serviceaccount:kubecomply:kubecomply" cannot ${watch ? 'watch' : 'list'} resource "complianceexceptions" in API group "kubecomply.io" at the cluster scope`, {}),
      );
    }
    if (req.method !== 'GET') return this.send(res, rec, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    if (watch) {
      const h = this.hold;
      if (h) void h.then(() => this.watch(res, rec, u.searchParams));
      else this.watch(res, rec, u.searchParams);
      return;
    }
    this.list(res, rec, u.searchParams);
  }

  private list(res: ServerResponse, rec: Recorded, q: URLSearchParams): void {
    this.lists++;
    this.beforeList?.(this.lists, q);
    const limit = q.has('limit') ? Number(q.get('limit')) : 0;
    let at = this.rv;
    let after = '';
    const cont = q.get('continue');
    if (cont) {
      let t: { rv: number; after: string };
      try {
        t = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: number; after: string };
      } catch {
        return this.send(res, rec, 400, status(400, 'BadRequest', 'continue key is not valid'));
      }
      if (t.rv < this.compactedRv || !this.states.has(t.rv)) {
        const fresh = Buffer.from(JSON.stringify({ rv: this.rv, after: t.after })).toString('base64url');
        return this.send(
          res,
          rec,
          410,
          status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            { continue: fresh },
          ),
        );
      }
      at = t.rv;
      after = t.after;
    }
    const all = this.states.get(at)!;
    const rest = all.filter((o) => `${o.metadata.namespace}/${o.metadata.name}` > after);
    const page = limit > 0 ? rest.slice(0, limit) : rest;
    const more = rest.length > page.length;
    const meta: Obj = { resourceVersion: String(at) };
    if (more) {
      const last = page[page.length - 1];
      const token = Buffer.from(JSON.stringify({ rv: at, after: `${last.metadata.namespace}/${last.metadata.name}` })).toString('base64url');
      this.issued.push(token);
      meta.continue = token;
      meta.remainingItemCount = rest.length - page.length;
    }
    this.send(res, rec, 200, JSON.stringify({ kind: 'ComplianceExceptionList', apiVersion: 'kubecomply.io/v1alpha1', metadata: meta, items: page }));
  }

  private watch(res: ServerResponse, rec: Recorded, q: URLSearchParams): void {
    if (res.destroyed) return;
    const rvText = q.get('resourceVersion') ?? '';
    const from = rvText === '' || rvText === '0' ? -1 : Number(rvText);
    if (from !== -1 && (!Number.isFinite(from) || from < this.compactedRv)) {
      const message = `too old resource version: ${rvText} (${this.compactedRv})`;
      if (this.gone === 'http') return this.send(res, rec, 410, status(410, 'Expired', message));
      rec.status = 200;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(status(410, 'Expired', message)) })}\n`);
      return;
    }
    rec.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const w: Watcher = { res, from: from === -1 ? this.rv : from, bookmarks: q.get('allowWatchBookmarks') === 'true', timer: undefined };
    if (from === -1) {
      // "Start at any": the current state as synthetic ADDED events, then changes.
      for (const o of this.objects.values()) res.write(`${JSON.stringify({ type: 'ADDED', object: o })}\n`);
    } else {
      for (const ev of this.events) if (ev.rv > from) res.write(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
    }
    this.watchers.add(w);
    res.on('close', () => this.dropWatcher(w));
    const seconds = Number(q.get('timeoutSeconds') ?? '0');
    if (seconds > 0 && !this.ignoreWatchTimeout) {
      w.timer = setTimeout(() => {
        this.dropWatcher(w);
        res.end();
      }, seconds * 1000);
    }
  }
}

/** A ComplianceException spec that is honoured now (approved yesterday, expiring in 30 days). */
export function activeSpec(over: Obj = {}): Obj {
  const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return {
    controls: ['pss-privileged'],
    match: { kinds: ['Pod'], names: ['legacy-*'] },
    justification: 'The legacy pod needs a privileged container until the driver moves to a DaemonSet.',
    approvedBy: 'security@example.com',
    approvedAt: day(-1),
    expires: day(30),
    ticket: 'SEC-1',
    ...over,
  };
}
