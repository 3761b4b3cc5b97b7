/**
 * The admission webhook's HTTPS server: `POST /validate[/{enforce,warn,audit}]` hands the
 * AdmissionReview to the decider (src/admission) and writes its answer; `GET /healthz`, `/readyz`
 * and `/metrics` are for the kubelet and Prometheus. With an audit sink (src/server/audit-sink.ts),
 * `POST /audit` is the API server's audit webhook backend and `GET /audit/findings` lists what it found.
 *
 * Never crashes on a request. Every request gets a well-formed answer or a 4xx: a wrong method (405),
 * an unknown path (404), a content type other than JSON (415), a body over the limit (413 — 3 MiB by
 * default, the API server's own request limit; announced or streamed, reading stops there), invalid
 * UTF-8 (400), malformed HTTP (400), slow clients (the TLS handshake, the headers and the whole request
 * each have a deadline; 408). An error thrown while handling a request is answered 500 and counted;
 * the server keeps serving.
 *
 * Graceful shutdown (`close()`): readiness turns 503, the listening socket closes (new connections are
 * refused), idle keep-alive connections close, in-flight reviews finish and their connections close
 * after the answer; whatever is still open after the shutdown timeout is closed.
 */
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AdmissionMode } from '../core/types.js';
import type { AuditSink } from './audit-sink.js';
import { METRICS_CONTENT_TYPE, ServerMetrics, type RequestErrorReason } from './metrics.js';
import { checkTlsMaterial, TlsReloader, type TlsMaterial } from './tls.js';

/** What the decider reports about one review (the contract of src/admission). */
export interface ReviewOutcome {
  mode: AdmissionMode | string;
  result: 'allowed' | 'denied' | 'warned' | 'audited' | 'error';
  controls: string[];
  exceptions: string[];
  dryRun: boolean;
  kind?: string;
  operation?: string;
}

export interface ReviewAnswer {
  httpStatus: number;
  /** The AdmissionReview answer: an object (serialised here) or its JSON text. */
  body: unknown;
  outcome: ReviewOutcome;
}

/** A review whose body has been read, waiting for its batch (AdmissionServer.review). */
interface PendingReview {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  pathMode: AdmissionMode | undefined;
  start: number;
  answer: ReviewAnswer | undefined;
  /** Answered (or failed): no longer in flight. */
  settled: boolean;
}

/** jsonBody's answer for a body that was refused. */
const NOT_JSON: unique symbol = Symbol('not JSON');

/**
 * `createDecider(opts)` from src/admission: takes the parsed JSON body. `review` never throws by
 * contract; the server guards anyway (a throw or a rejection is a 500).
 */
export interface Decider {
  review(body: unknown, ctx: { pathMode?: AdmissionMode }): ReviewAnswer | Promise<ReviewAnswer>;
}

export type TlsSource = { certFile: string; keyFile: string } | { cert: string | Buffer; key: string | Buffer };

export interface AdmissionServerOptions {
  decider: Decider;
  tls: TlsSource;
  /** Address to listen on (default 0.0.0.0). */
  host?: string;
  /** Port (default 8443; 0 picks a free one). */
  port?: number;
  /** Largest request body accepted (default 3 MiB, as the API server). */
  maxBodyBytes?: number;
  /** TLS handshake deadline (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Deadline for a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Deadline for a whole request, headers and body (default 30 s: the API server's longest webhook timeout). */
  requestTimeoutMs?: number;
  /**
   * Idle keep-alive connections are kept this long (default 120 s) — longer than the API server's
   * own 90 s idle timeout, so the server never closes a connection the API server is about to reuse.
   */
  keepAliveTimeoutMs?: number;
  /** How often deadlines are checked (default 1 s). */
  connectionsCheckingIntervalMs?: number;
  /** In-flight requests get this long to finish on close() (default 25 s, within Kubernetes' 30 s grace period). */
  shutdownTimeoutMs?: number;
  /** On close(), keep serving this long with readiness 503 before closing the listener (default 0). */
  shutdownDelayMs?: number;
  /** One JSON access-log line per request (default off). */
  logRequests?: boolean;
  /** Where log lines go (default: stderr). */
  log?: (line: string) => void;
  /** Certificate file polling (default 10 s) and change debounce (default 250 ms). */
  tlsPollMs?: number;
  tlsDebounceMs?: number;
  /** Version for kubecomply_build_info. */
  version?: string;
  metrics?: ServerMetrics;
  /**
   * Another condition for readiness: returns why the server is not ready yet (answered by /readyz
   * with 503), or undefined when it is (e.g. waiting for the first list of cluster exceptions).
   */
  readiness?: () => string | undefined;
  /** The audit webhook backend: POST /audit and GET /audit/findings (404 without it). */
  audit?: AuditSink;
}

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;
const PATH_MODES = new Map<string, AdmissionMode | undefined>([
  ['/validate', undefined],
  ['/validate/enforce', 'enforce'],
  ['/validate/warn', 'warn'],
  ['/validate/audit', 'audit'],
]);
/** After refusing a body, read and discard at most this much more (and this long) before closing, so that the client gets the answer instead of a reset. */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 2000;

const STATUS_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'Timeout',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  431: 'RequestHeaderFieldsTooLarge',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** Errors are answered as a Kubernetes Status, which the API server's client decodes into its error message. */
export function statusBody(code: number, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: STATUS_REASONS[code] ?? 'InternalError', code });
}

/** Requests in progress and answered on a connection, for closing idle ones on shutdown. */
interface ConnState {
  active: number;
  served: number;
}
const connState = Symbol('kubecomply.connState');
const NEW_CONNECTION_GRACE_MS = 1000;

/** Marks sockets answered directly by the clientError handler. */
const answeredRaw = Symbol('kubecomply.answeredRaw');

export class AdmissionServer {
  readonly metrics: ServerMetrics;
  private decider: Decider;
  private readonly server: Server;
  private readonly reloader: TlsReloader | undefined;
  private readonly log: (line: string) => void;
  private readonly maxBody: number;
  private readonly shutdownTimeoutMs: number;
  private readonly shutdownDelayMs: number;
  private readonly logRequests: boolean;
  private draining = false;
  private listening = false;
  private closing: Promise<void> | undefined;
  private tls: TlsMaterial;
  private readonly connections = new Set<TLSSocket>();
  private drainStart = 0;

  constructor(private readonly opts: AdmissionServerOptions) {
    this.decider = opts.decider;
    this.log = opts.log ?? ((line) => void process.stderr.write(line.endsWith('\n') ? line : `${line}\n`));
    this.metrics = opts.metrics ?? new ServerMetrics({ version: opts.version });
    this.maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 25_000;
    this.shutdownDelayMs = opts.shutdownDelayMs ?? 0;
    this.logRequests = opts.logRequests ?? false;

    if ('certFile' in opts.tls) {
      const { certFile, keyFile } = opts.tls;
      this.reloader = new TlsReloader(certFile, keyFile, {
        pollMs: opts.tlsPollMs,
        debounceMs: opts.tlsDebounceMs,
        onReload: (m) => this.useTls(m),
        onError: (e) => {
          this.metrics.tlsReloads.inc({ result: 'failure' });
          this.log(`kubecomply serve: the changed certificate was not loaded, the previous one stays in use: ${e.message}`);
        },
      });
      this.tls = this.reloader.current;
    } else {
      this.tls = checkTlsMaterial(Buffer.from(opts.tls.cert), Buffer.from(opts.tls.key));
    }
    this.metrics.certificateExpiry = Math.floor(this.tls.notAfter.getTime() / 1000);

    this.server = createServer({
      ...this.secureOptions(this.tls),
      handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
      headersTimeout: opts.headersTimeoutMs ?? 10_000,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 120_000,
      connectionsCheckingInterval: opts.connectionsCheckingIntervalMs ?? 1000,
      noDelay: true,
    });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.onCheckContinue(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onClientError(err, socket));
    this.server.on('secureConnection', (sock: TLSSocket) => {
      (sock as unknown as Record<symbol, ConnState>)[connState] = { active: 0, served: 0 };
      this.connections.add(sock);
      sock.once('close', () => this.connections.delete(sock));
    });
    this.server.on('tlsClientError', (_err: Error, socket: TLSSocket) => {
      this.metrics.error('tls_handshake');
      socket.destroy();
    });
  }

  private secureOptions(m: TlsMaterial): { cert: Buffer; key: Buffer; minVersion: 'TLSv1.2'; ALPNProtocols: string[] } {
    return { cert: m.cert, key: m.key, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] };
  }

  /** Serves a reloaded pair from now on. */
  private useTls(m: TlsMaterial): void {
    try {
      this.server.setSecureContext(this.secureOptions(m));
    } catch (e) {
      this.metrics.tlsReloads.inc({ result: 'failure' });
      this.log(`kubecomply serve: the changed certificate was not loaded, the previous one stays in use: ${(e as Error).message}`);
      return;
    }
    this.tls = m;
    this.metrics.certificateExpiry = Math.floor(m.notAfter.getTime() / 1000);
    this.metrics.tlsReloads.inc({ result: 'success' });
    this.log(`kubecomply serve: loaded the new serving certificate (sha256 ${m.fingerprint256}, valid until ${m.notAfter.toISOString()})`);
  }

  /** The certificate in use. */
  get certificate(): TlsMaterial {
    return this.tls;
  }

  /** Checks the certificate files now (they are also watched); true when a new pair was loaded. */
  reloadTls(): boolean {
    return this.reloader?.check() ?? false;
  }

  /** Replaces the decider (e.g. after the exception files changed); reviews in flight finish with the old one. */
  setDecider(d: Decider): void {
    this.decider = d;
  }

  get ready(): boolean {
    return this.listening && !this.draining && this.notReadyReason() === undefined;
  }

  private notReadyReason(): string | undefined {
    try {
      return this.opts.readiness?.();
    } catch (e) {
      return `readiness check failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  get address(): AddressInfo {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('the server is not listening');
    return a;
  }

  /** Listens; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      this.server.listen(this.opts.port ?? 8443, this.opts.host ?? '0.0.0.0', () => {
        this.server.off('error', onError);
        // Errors after listening (rare: EMFILE on accept) are logged; the server goes on.
        this.server.on('error', (e) => this.log(`kubecomply serve: server error: ${e.message}`));
        this.listening = true;
        this.reloader?.start();
        resolve(this.address);
      });
    });
  }

  /** Graceful shutdown; resolves when every connection is closed. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.draining = true;
    this.reloader?.stop();
    if (!this.listening) return;
    if (this.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, this.shutdownDelayMs));
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.log(`kubecomply serve: requests still in flight after the ${this.shutdownTimeoutMs} ms shutdown timeout; closing their connections`);
        this.server.closeAllConnections();
      }, this.shutdownTimeoutMs);
      force.unref();
      // Idle keep-alive connections close now, and so do those that become idle later. A connection
      // that has not sent a request yet (accepted just before close()) gets a moment to send it.
      this.drainStart = performance.now();
      const sweep = setInterval(() => this.closeIdle(), 50);
      this.closeIdle();
      this.server.close(() => {
        clearTimeout(force);
        clearInterval(sweep);
        resolve();
      });
    });
    this.listening = false;
  }

  private closeIdle(): void {
    const fresh = performance.now() - this.drainStart < NEW_CONNECTION_GRACE_MS;
    for (const sock of this.connections) {
      const c = (sock as unknown as Record<symbol, ConnState>)[connState];
      if (c.active === 0 && (c.served > 0 || !fresh)) sock.destroy();
    }
  }

  // ---- requests ----

  private onCheckContinue(req: IncomingMessage, res: ServerResponse): void {
    // A client that asks first is told before it sends a body that is too large.
    const len = Number(req.headers['content-length']);
    const p = pathOf(req.url);
    const limit = p === '/audit' && this.opts.audit ? this.opts.audit.maxBodyBytes : this.maxBody;
    if ((PATH_MODES.has(p) || (p === '/audit' && this.opts.audit)) && req.method === 'POST' && len > limit) {
      req.on('error', noop);
      res.on('error', noop);
      this.refuseBody(req, res, performance.now(), limit);
      return;
    }
    res.writeContinue();
    this.onRequest(req, res);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    // A client that goes away mid-request makes these emit errors; they must never be unhandled.
    req.on('error', noop);
    res.on('error', noop);
    const c = (req.socket as unknown as Record<symbol, ConnState | undefined>)[connState];
    if (c !== undefined) {
      c.active++;
      res.once('close', () => {
        c.active--;
        c.served++;
      });
    }
    try {
      const p = pathOf(req.url);
      if (PATH_MODES.has(p)) {
        const route = PATH_MODES.get(p);
        if (req.method !== 'POST') return this.fail(req, res, 405, 'method_not_allowed', `${req.method} is not allowed on ${p}: use POST`, start, { Allow: 'POST' });
        this.validate(req, res, route, start);
        return;
      }
      switch (p) {
        case '/healthz':
        case '/livez':
          return this.probe(req, res, p, 200, 'ok\n', start);
        case '/readyz':
          return this.ready
            ? this.probe(req, res, p, 200, 'ok\n', start)
            : this.probe(req, res, p, 503, this.draining ? 'shutting down\n' : this.listening ? `not ready: ${this.notReadyReason() ?? 'starting'}\n` : 'not ready\n', start);
        case '/metrics':
          return this.probe(req, res, p, 200, undefined, start);
        case '/audit':
        case '/audit/findings':
          if (this.opts.audit) return this.auditRoute(req, res, p, this.opts.audit, start);
          return this.fail(req, res, 404, 'not_found', `no such path: ${p} (the audit webhook backend is off: start kubecomply serve with --audit)`, start);
        default:
          return this.fail(req, res, 404, 'not_found', `no such path: ${p.length > 200 ? `${p.slice(0, 200)}…` : p} (the webhook is at /validate)`, start);
      }
    } catch (e) {
      this.handlerError(req, res, e, start);
    }
  }

  private probe(req: IncomingMessage, res: ServerResponse, p: string, status: number, text: string | undefined, start: number): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.fail(req, res, 405, 'method_not_allowed', `${req.method} is not allowed on ${p}: use GET`, start, { Allow: 'GET, HEAD' });
    const body = text ?? this.metrics.render();
    // Probes send no body we need; whatever comes is read and discarded by Node.
    res.writeHead(status, {
      'Content-Type': text === undefined ? METRICS_CONTENT_TYPE : 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      ...(this.draining ? { Connection: 'close' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    this.access(req, status, start);
  }

  private validate(req: IncomingMessage, res: ServerResponse, pathMode: AdmissionMode | undefined, start: number): void {
    this.readBody(req, res, start, this.maxBody, (body) => this.review(req, res, body, pathMode, start));
  }

  /** Checks the content type, reads the body up to `limit` (413 beyond), then hands it on; a throw or rejection is a 500. */
  private readBody(req: IncomingMessage, res: ServerResponse, start: number, limit: number, then: (body: Buffer) => Promise<void> | void): void {
    const type = req.headers['content-type'];
    if (!isJsonType(type)) {
      return this.fail(req, res, 415, 'unsupported_media_type', `Content-Type must be application/json${type ? `, not ${type.length > 100 ? `${type.slice(0, 100)}…` : type}` : ''}`, start);
    }
    const announced = req.headers['content-length'];
    if (announced !== undefined && Number(announced) > limit) return this.refuseBody(req, res, start, limit);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const onData = (c: Buffer): void => {
      if (refused) return;
      size += c.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        req.off('data', onData);
        this.refuseBody(req, res, start, limit);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (refused) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      try {
        const r = then(body);
        if (isPromise(r)) r.catch((e: unknown) => this.handlerError(req, res, e, start));
      } catch (e) {
        this.handlerError(req, res, e, start);
      }
    });
    req.on('close', () => {
      // The client went away (or the request deadline closed the connection) before the body was complete.
      if (!req.complete && !refused && !(req.socket as unknown as Record<symbol, boolean>)[answeredRaw]) {
        refused = true;
        this.metrics.error('aborted');
      }
    });
  }

  /** POST /audit (the API server's audit webhook) and GET /audit/findings. */
  private auditRoute(req: IncomingMessage, res: ServerResponse, p: string, sink: AuditSink, start: number): void {
    const method = p === '/audit' ? 'POST' : 'GET';
    if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
      return this.fail(req, res, 405, 'method_not_allowed', `${req.method} is not allowed on ${p}: use ${method}`, start, { Allow: method === 'GET' ? 'GET, HEAD' : 'POST' });
    }
    if (!sink.authorized(req.headers.authorization)) {
      return this.fail(req, res, 401, 'unauthorized', `${p} needs the bearer token of --audit-token-file (Authorization: Bearer …)`, start, { 'WWW-Authenticate': 'Bearer' });
    }
    if (method === 'GET') {
      const q = req.url !== undefined && req.url.includes('?') ? new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1)) : new URLSearchParams();
      const a = sink.findings(q);
      if (a.status !== 200) return this.fail(req, res, a.status, 'invalid_audit', String(a.body.message), start, { 'Cache-Control': 'no-store' });
      return this.answerJson(req, res, 200, a.body, start);
    }
    this.readBody(req, res, start, sink.maxBodyBytes, (body) => {
      const doc = this.jsonBody(req, res, body, start);
      if (doc === NOT_JSON) return;
      const a = sink.ingest(doc);
      if (a.status !== 200) return this.fail(req, res, a.status, 'invalid_audit', String(a.body.message).slice(0, 500), start);
      this.answerJson(req, res, 200, a.body, start);
    });
  }

  private answerJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, start: number): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      ...(this.draining ? { Connection: 'close' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    this.access(req, status, start);
  }

  /** The body as JSON, or NOT_JSON after answering 400 (not UTF-8, not JSON). Reviews and audit events alike. */
  private jsonBody(req: IncomingMessage, res: ServerResponse, body: Buffer, start: number): unknown {
    if (!isUtf8(body)) {
      this.fail(req, res, 400, 'invalid_utf8', 'the request body is not valid UTF-8', start);
      return NOT_JSON;
    }
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (e) {
      this.fail(req, res, 400, 'invalid_json', `the request body is not JSON: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}`, start);
      return NOT_JSON;
    }
  }

  /**
   * Reviews are decided in batches: those whose bodies complete in one turn of the event loop are parsed
   * and decided one after the other, then answered one after the other. Under load that keeps each
   * phase's code and data hot in the CPU caches (bench:admission: 9,045 → 10,409 reviews/s at the max
   * rate); a review on its own waits only for the rest of the turn. A review counts as in flight from
   * here until it is answered.
   */
  private review(req: IncomingMessage, res: ServerResponse, body: Buffer, pathMode: AdmissionMode | undefined, start: number): void {
    this.metrics.inFlight++;
    this.pending.push({ req, res, body, pathMode, start, answer: undefined, settled: false });
    if (this.pending.length === 1) setImmediate(this.decidePending);
  }

  private pending: PendingReview[] = [];

  private readonly decidePending = (): void => {
    const batch = this.pending;
    this.pending = [];
    for (const item of batch) {
      // Whatever goes wrong with one review is its own 500: the others in the batch are still answered.
      try {
        const doc = this.jsonBody(item.req, item.res, item.body, item.start);
        if (doc === NOT_JSON) {
          this.settle(item);
          continue;
        }
        const r = this.decider.review(doc, { pathMode: item.pathMode });
        if (!isPromise(r)) item.answer = r;
        // Image verification (serve --image-policy) answers later, on its own.
        else r.then((a) => this.answer(item, a), (e: unknown) => this.failReview(item, e));
      } catch (e) {
        this.failReview(item, e);
      }
    }
    for (const item of batch) if (item.answer !== undefined) this.answer(item, item.answer);
  };

  /** Marks a review answered (once): it is no longer in flight. */
  private settle(item: PendingReview): boolean {
    if (item.settled) return false;
    item.settled = true;
    this.metrics.inFlight--;
    return true;
  }

  private answer(item: PendingReview, answer: ReviewAnswer): void {
    if (!this.settle(item)) return;
    try {
      this.respond(item.req, item.res, answer, item.start);
    } catch (e) {
      this.handlerError(item.req, item.res, e, item.start);
    }
  }

  private failReview(item: PendingReview, e: unknown): void {
    if (this.settle(item)) this.handlerError(item.req, item.res, e, item.start);
  }

  private respond(req: IncomingMessage, res: ServerResponse, answer: ReviewAnswer, start: number): void {
    const m = this.metrics;
    const o = answer.outcome;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const status = answer.httpStatus;
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...(this.draining ? { Connection: 'close' } : {}),
    });
    res.end(text);
    const mode = String(o.mode);
    m.reviews.inc({ mode, result: o.result, kind: o.kind ?? '', operation: o.operation ?? '' });
    for (const c of o.controls) m.violations.inc({ control: c, mode });
    for (const e of o.exceptions) m.exceptionsUsed.inc({ exception: e });
    if (status >= 500) m.error('handler_error');
    else if (status >= 400) m.error('invalid_review');
    m.duration.observe((performance.now() - start) / 1000);
    if (this.logRequests) this.access(req, status, start, o);
  }

  /** 413: answered at once; the rest of the body is discarded for a bounded time, then the connection closes. */
  private refuseBody(req: IncomingMessage, res: ServerResponse, start: number, limit = this.maxBody): void {
    const socket = req.socket as Socket & { destroySoon?: () => void };
    // Closing a socket with unread input makes TCP send a reset, and a reset can make the client drop
    // our answer before reading it. So, like nginx's lingering close, end our side and keep reading
    // (and discarding) for a while, bounded in bytes and time.
    let discarded = 0;
    req.removeAllListeners('data');
    req.on('data', (c: Buffer) => {
      discarded += c.length;
      if (discarded > LINGER_BYTES) socket.destroy();
    });
    socket.destroySoon = function lingeringClose(this: Socket): void {
      this.end();
      const t = setTimeout(() => this.destroy(), LINGER_MS);
      t.unref();
      this.once('close', () => clearTimeout(t));
    };
    this.fail(req, res, 413, 'body_too_large', `the request body is larger than ${limit} bytes`, start, { Connection: 'close' });
  }

  private fail(req: IncomingMessage, res: ServerResponse, status: number, reason: RequestErrorReason, message: string, start: number, headers: Record<string, string> = {}): void {
    this.metrics.error(reason);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = statusBody(status, message);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...(this.draining ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    this.access(req, status, start);
  }

  private handlerError(req: IncomingMessage, res: ServerResponse, e: unknown, start: number): void {
    this.log(`kubecomply serve: internal error while handling ${req.method} ${pathOf(req.url)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    try {
      this.fail(req, res, 500, 'handler_error', 'internal error while handling the request', start);
    } catch {
      res.destroy();
    }
  }

  /** Malformed HTTP and deadlines, found by Node's parser before there is a request object. */
  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      this.metrics.error('aborted');
      socket.destroy();
      return;
    }
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    this.metrics.error(status === 408 ? 'request_timeout' : 'bad_request');
    const inFlight = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    (socket as unknown as Record<symbol, boolean>)[answeredRaw] = true;
    const message = status === 408 ? 'the request did not arrive in time' : status === 431 ? 'the request headers are too large' : `malformed HTTP request (${code || err.message})`;
    const body = statusBody(status, message);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    const t = setTimeout(() => socket.destroy(), LINGER_MS);
    t.unref();
    socket.once('close', () => clearTimeout(t));
  }

  private access(req: IncomingMessage, status: number, start: number, o?: ReviewOutcome): void {
    if (!this.logRequests) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      remote: req.socket.remoteAddress,
      method: req.method,
      path: pathOf(req.url),
      status,
      ms: Math.round((performance.now() - start) * 1000) / 1000,
    };
    if (o) {
      line.mode = o.mode;
      line.result = o.result;
      if (o.kind) line.kind = o.kind;
      if (o.operation) line.operation = o.operation;
      if (o.controls.length > 0) line.controls = o.controls;
      if (o.exceptions.length > 0) line.exceptions = o.exceptions;
      if (o.dryRun) line.dryRun = true;
    }
    this.log(JSON.stringify(line));
  }
}

function noop(): void {}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** The path without the query string (the API server appends `?timeout=10s`). */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** application/json, with or without parameters (`; charset=utf-8`), any case. */
function isJsonType(t: string | undefined): boolean {
  if (t === undefined) return false;
  const semi = t.indexOf(';');
  const base = (semi === -1 ? t : t.slice(0, semi)).trim().toLowerCase();
  return base === 'application/json';
}

export function createAdmissionServer(opts: AdmissionServerOptions): AdmissionServer {
  return new AdmissionServer(opts);
}
