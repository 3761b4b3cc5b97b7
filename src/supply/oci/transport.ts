/**
 * HTTP(S) exchanges with a registry: one place for TLS trust (system roots plus a caller's CA bundle),
 * per-attempt timeouts, the caller's AbortSignal, retries with exponential backoff (network errors,
 * 429 and 5xx — honouring Retry-After — never other 4xx), and redirects (blob storage often answers
 * a blob GET with a redirect to another host, which must not receive our Authorization header).
 *
 * node:http/https rather than the global fetch: fetch cannot take a CA bundle without the undici
 * package, and we need streamed bodies with idle timeouts.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface TransportOptions {
  /** Extra trusted CA certificates (PEM), added to the system roots. */
  ca?: string | Buffer;
  /** Bound on one attempt: connecting, sending and receiving the response headers (and, for buffered bodies, the body; for streamed bodies, the longest silence between chunks). */
  timeoutMs: number;
  /** Retries after the first attempt for retryable failures. */
  retries: number;
  /** First backoff delay; doubled per retry, with jitter. */
  backoffMs: number;
  /** Cap on one backoff delay, including a registry's Retry-After. */
  maxBackoffMs: number;
  userAgent: string;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  /** Always a Buffer, so the request can be replayed on retry and after an auth challenge. */
  body?: Buffer;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The final URL after redirects. */
  url: URL;
  /** Attempts used to get this response. */
  attempts: number;
  /** Present for `stream` exchanges: the body, not yet read. */
  stream?: IncomingMessage;
  /** Present for buffered exchanges. */
  body: Buffer;
}

/** A failure below HTTP: connect, TLS, reset, timeout, abort. */
export class TransportFailure extends Error {
  constructor(
    readonly reason: 'network' | 'timeout' | 'aborted' | 'tls-verify' | 'tls-protocol',
    message: string,
    readonly code: string | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportFailure';
  }
}

const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
};

class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no response within ${ms} ms`);
  }
}
class CallerAbort extends Error {}

/** Maps a low-level error to a TransportFailure (attempt count filled in by the retry loop). */
function classify(err: unknown, attempts: number): TransportFailure {
  if (err instanceof TransportFailure) return err;
  if (err instanceof AttemptTimeout) return new TransportFailure('timeout', err.message, 'TIMEOUT', attempts, { cause: err });
  if (err instanceof CallerAbort) return new TransportFailure('aborted', 'aborted by the caller', 'ABORT', attempts, { cause: err });
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = e instanceof Error ? e.message : String(err);
  if (code && TLS_VERIFY_CODES.has(code)) return new TransportFailure('tls-verify', `TLS certificate not trusted (${code}: ${message})`, code, attempts, { cause: err });
  // An HTTPS client talking to a plain-HTTP server sees garbage instead of a ServerHello.
  if (code === 'EPROTO' || code?.startsWith('ERR_SSL_') || /wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return new TransportFailure('tls-protocol', `TLS handshake failed (${code ?? 'EPROTO'}: ${message.split('\n')[0]})`, code, attempts, { cause: err });
  }
  const words = code ? NETWORK_WORDS[code] : undefined;
  return new TransportFailure('network', words ? `${words} (${code})` : message, code, attempts, { cause: err });
}

function retryableFailure(f: TransportFailure): boolean {
  // An oversized body is the registry's answer, not a glitch: asking again gets the same.
  return (f.reason === 'network' && f.code !== 'TOO_LARGE') || f.reason === 'timeout';
}

function retryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Retry-After as a delay in ms: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CallerAbort());
    const onAbort = () => {
      clearTimeout(t);
      reject(new CallerAbort());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const MAX_REDIRECTS = 5;
/** Bound on any buffered body (manifests, token answers, error bodies): registries must not make us buffer without limit. */
export const MAX_BUFFERED_BODY = 8 << 20;

export class Transport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(readonly options: TransportOptions) {
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      ...(options.ca ? { ca: [...tls.rootCertificates, options.ca.toString()] } : {}),
    });
    this.httpAgent = new http.Agent({ keepAlive: true });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  /**
   * Sends `req`, retrying retryable failures. 429/5xx answers that persist after the last retry are
   * returned (with their body) for the caller to report; transport failures are thrown.
   * With `stream`, a 2xx response's body is left unread in `stream`.
   */
  async exchange(req: HttpRequest, opts: { stream?: boolean; maxBody?: number } = {}): Promise<HttpResponse> {
    const { retries } = this.options;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.followRedirects(req, opts, attempt);
      } catch (err) {
        const f = classify(err, attempt);
        if (!retryableFailure(f) || attempt > retries) throw f;
        await this.backoff(attempt, undefined, req.signal);
        continue;
      }
      if (retryableStatus(res.status) && attempt <= retries) {
        res.stream?.resume();
        await this.backoff(attempt, retryAfterMs(res.headers['retry-after']), req.signal);
        continue;
      }
      return res;
    }
  }

  private async backoff(attempt: number, retryAfter: number | undefined, signal?: AbortSignal): Promise<void> {
    const exp = this.options.backoffMs * 2 ** (attempt - 1);
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const delay = Math.min(this.options.maxBackoffMs, Math.max(jittered, retryAfter ?? 0));
    try {
      await sleep(delay, signal);
    } catch (e) {
      throw classify(e, attempt);
    }
  }

  private async followRedirects(req: HttpRequest, opts: { stream?: boolean; maxBody?: number }, attempt: number): Promise<HttpResponse> {
    let current = req;
    for (let hop = 0; ; hop++) {
      const res = await this.once(current, opts);
      res.attempts = attempt;
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= MAX_REDIRECTS) return res;
      res.stream?.resume();
      const next = new URL(location, current.url);
      const headers = { ...(current.headers ?? {}) };
      // Credentials are for the registry; a redirect to storage (S3, a CDN) carries its own in the URL.
      if (next.origin !== req.url.origin) delete headers.Authorization;
      const method = res.status === 303 ? 'GET' : current.method;
      current = { ...current, method, url: next, headers, ...(method === 'GET' || method === 'HEAD' ? { body: undefined } : {}) };
    }
  }

  /** One HTTP exchange, bounded by the attempt timeout and the caller's signal. */
  private once(req: HttpRequest, opts: { stream?: boolean; maxBody?: number }): Promise<HttpResponse> {
    const { timeoutMs, userAgent } = this.options;
    const isHttps = req.url.protocol === 'https:';
    const mod = isHttps ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const headers: Record<string, string> = { 'User-Agent': userAgent, ...(req.headers ?? {}) };
      if (req.body) headers['Content-Length'] = String(req.body.length);
      else if (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH') headers['Content-Length'] = '0';
      const r = mod.request(req.url, { method: req.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent });
      // First, so that errors after a timeout or abort (the socket still connecting) have a listener.
      r.on('error', (e) => fail(e));
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        r.destroy();
        reject(e);
      };
      const timer = setTimeout(() => fail(new AttemptTimeout(timeoutMs)), timeoutMs);
      const onAbort = () => fail(new CallerAbort());
      if (req.signal?.aborted) return fail(new CallerAbort());
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      r.on('response', (res) => {
        const base = { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, url: req.url, attempts: 1 };
        if (opts.stream && base.status >= 200 && base.status < 300 && req.method !== 'HEAD') {
          settled = true;
          cleanup();
          // From here on the caller reads: bound the silence between chunks, and keep honouring the signal.
          res.setTimeout(timeoutMs, () => res.destroy(new TransportFailure('timeout', `body stalled for ${timeoutMs} ms`, 'TIMEOUT', 1)));
          if (req.signal) {
            const sig = req.signal;
            const abortBody = () => res.destroy(new TransportFailure('aborted', 'aborted by the caller', 'ABORT', 1));
            sig.addEventListener('abort', abortBody, { once: true });
            res.once('close', () => sig.removeEventListener('abort', abortBody));
          }
          resolve({ ...base, stream: res, body: Buffer.alloc(0) });
          return;
        }
        const max = opts.maxBody ?? MAX_BUFFERED_BODY;
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > max) {
            res.destroy();
            fail(new TransportFailure('network', `response body exceeds ${max} bytes`, 'TOO_LARGE', 1));
            return;
          }
          chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ ...base, body: Buffer.concat(chunks) });
        });
      });
      r.end(req.body);
    });
  }
}
