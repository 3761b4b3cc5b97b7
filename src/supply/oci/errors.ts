/**
 * Errors of the registry client. One class with a `kind` discriminant, so callers (the verify command,
 * the admission webhook's fail-open/fail-closed choice) can branch on what went wrong without string
 * matching, and every message says what was asked of which registry and what came back.
 */

/** One entry of the registry's JSON error body (`{"errors":[{code,message,detail}]}`, distribution spec). */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

export type RegistryErrorKind =
  /** The registry could not be reached (connection refused, DNS, reset, TLS handshake) even after retries. */
  | 'network'
  /** An attempt did not complete within the per-request timeout, even after retries. */
  | 'timeout'
  /** The caller's AbortSignal fired (e.g. the admission time budget ran out). Never retried. */
  | 'aborted'
  /** The registry refused the credentials or the request needs credentials we do not have (401/403). */
  | 'auth'
  /** The manifest, blob or repository does not exist (404). */
  | 'not-found'
  /** Any other unexpected HTTP status. */
  | 'http'
  /** Content does not match its digest (or its announced size). */
  | 'digest'
  /** The registry answered something that is not a valid manifest/index/token/… */
  | 'invalid'
  /** The caller asked for something impossible (bad reference, no matching platform, bad config). */
  | 'usage';

export interface RegistryErrorInit {
  kind: RegistryErrorKind;
  /** Registry host as addressed (`127.0.0.1:5000`, `registry-1.docker.io`). */
  registry: string;
  /** What was asked, e.g. `GET manifest library/nginx:1.25`. */
  operation: string;
  status?: number;
  errors?: RegistryErrorEntry[];
  /** Number of attempts made (retries + 1). */
  attempts?: number;
  cause?: unknown;
}

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly registry: string;
  readonly operation: string;
  readonly status?: number;
  readonly errors: RegistryErrorEntry[];
  readonly attempts?: number;

  constructor(init: RegistryErrorInit, detail: string) {
    super(`registry ${init.registry}: ${init.operation}: ${detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RegistryError';
    this.kind = init.kind;
    this.registry = init.registry;
    this.operation = init.operation;
    if (init.status !== undefined) this.status = init.status;
    this.errors = init.errors ?? [];
    if (init.attempts !== undefined) this.attempts = init.attempts;
  }

  /** True when the error says the thing does not exist (as opposed to "could not find out"). */
  get notFound(): boolean {
    return this.kind === 'not-found';
  }
}

/** Reads the distribution-spec error body, if the bytes are one. */
export function parseErrorBody(body: Buffer): RegistryErrorEntry[] {
  if (body.length === 0 || body.length > 1 << 20) return [];
  try {
    const j = JSON.parse(body.toString('utf8')) as unknown;
    const list = (j as { errors?: unknown })?.errors;
    if (!Array.isArray(list)) return [];
    const out: RegistryErrorEntry[] = [];
    for (const e of list) {
      if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string') {
        const entry: RegistryErrorEntry = { code: (e as { code: string }).code };
        const m = (e as { message?: unknown }).message;
        if (typeof m === 'string') entry.message = m;
        const d = (e as { detail?: unknown }).detail;
        if (d !== undefined) entry.detail = d;
        out.push(entry);
      }
    }
    return out;
  } catch {
    return [];
  }
}

/** `401 Unauthorized — UNAUTHORIZED: authentication required` style summary of an HTTP failure. */
export function describeHttpFailure(status: number, statusText: string, errors: RegistryErrorEntry[], body: Buffer): string {
  let s = `${status}${statusText ? ' ' + statusText : ''}`;
  if (errors.length > 0) {
    s += ' — ' + errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ');
  } else {
    // Proxies and non-conforming registries answer text or HTML: show a bounded, single-line excerpt.
    const text = body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
    if (text) s += ` — ${JSON.stringify(text)}`;
  }
  return s;
}

export function kindForStatus(status: number): RegistryErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  return 'http';
}
