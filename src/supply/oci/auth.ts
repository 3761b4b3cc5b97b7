/**
 * Registry authentication: the `WWW-Authenticate` challenge (RFC 7235 syntax, Docker token
 * authentication spec), the token exchange (GET with optional Basic credentials, or the OAuth2
 * refresh-token POST when the credential is an identity token) and a token cache keyed by
 * (registry, scopes) that keeps each token until shortly before it expires and shares in-flight
 * fetches — so a burst of admission requests for one image asks the token server once.
 */
import type { Credential } from './credentials.js';
import { RegistryError, describeHttpFailure, parseErrorBody } from './errors.js';
import type { Transport } from './transport.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate value into its challenges. Tolerates what registries send in practice:
 * quoted and bare parameter values, escapes in quoted strings, several challenges separated by commas.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: Challenge[] = [];
  for (const v of values) {
    let i = 0;
    let current: Challenge | undefined;
    const skipWs = () => {
      while (i < v.length && (v[i] === ' ' || v[i] === '\t' || v[i] === ',')) i++;
    };
    while (i < v.length) {
      skipWs();
      const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)/.exec(v.slice(i));
      if (!m) break;
      const word = m[1]!;
      i += word.length;
      while (v[i] === ' ' || v[i] === '\t') i++;
      if (v[i] === '=' && current) {
        i++;
        while (v[i] === ' ') i++;
        let value = '';
        if (v[i] === '"') {
          i++;
          while (i < v.length && v[i] !== '"') {
            if (v[i] === '\\' && i + 1 < v.length) i++;
            value += v[i];
            i++;
          }
          i++;
        } else {
          const b = /^[^,\s]*/.exec(v.slice(i))![0];
          value = b;
          i += b.length;
        }
        current.params[word.toLowerCase()] = value;
      } else {
        current = { scheme: word.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Lifetime the token spec prescribes when the server does not say. */
const DEFAULT_TOKEN_LIFETIME_S = 60;

/**
 * Token scopes (`type:name:action,action`) merged by resource: one scope per resource with the union
 * of its actions, sorted. Registries write the actions of a challenge in any order (docker-registry
 * iterates a Go map: `pull,push` one time, `push,pull` the next), and the same rights must neither be
 * requested twice in one token nor cached under two keys.
 */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const at = s.lastIndexOf(':');
    // A scope without actions (not in the spec's grammar) is kept as it is.
    const resource = at > 0 && s.indexOf(':') < at ? s.slice(0, at) : s;
    let actions = byResource.get(resource);
    if (actions === undefined) byResource.set(resource, (actions = new Set()));
    if (resource !== s) for (const a of s.slice(at + 1).split(',')) if (a !== '') actions.add(a);
  }
  return [...byResource].map(([resource, actions]) => (actions.size === 0 ? resource : `${resource}:${[...actions].sort().join(',')}`));
}

export interface TokenRequest {
  registry: string;
  realm: string;
  service?: string;
  scopes: string[];
  credential?: Credential;
  signal?: AbortSignal;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly transport: Transport,
    private readonly clientId: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(registry: string, scopes: string[]): string {
    return `${registry}\n${mergeScopes(scopes).sort().join(' ')}`;
  }

  /** A cached, unexpired token for exactly these scopes. */
  cached(registry: string, scopes: string[]): string | undefined {
    const k = this.key(registry, scopes);
    const t = this.tokens.get(k);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.tokens.delete(k);
      return undefined;
    }
    return t.token;
  }

  forget(registry: string, scopes: string[]): void {
    this.tokens.delete(this.key(registry, scopes));
  }

  /** Fetches a token (sharing a concurrent fetch for the same key) and caches it under `cacheScopes`. */
  async fetch(req: TokenRequest, cacheScopes: string[]): Promise<string> {
    const k = this.key(req.registry, cacheScopes);
    let p = this.inflight.get(k);
    if (!p) {
      p = this.request(req).then((t) => {
        this.tokens.set(k, t);
        return t.token;
      });
      p.finally(() => this.inflight.delete(k)).catch(() => {});
      this.inflight.set(k, p);
    }
    return p;
  }

  private async request(req: TokenRequest): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(req.realm);
    } catch {
      throw new RegistryError({ kind: 'invalid', registry: req.registry, operation: 'token request' }, `the challenge's realm ${JSON.stringify(req.realm)} is not a URL`);
    }
    const operation = `token request to ${url.origin}${url.pathname} for ${req.scopes.join(' ') || '(no scope)'}`;
    const cred = req.credential;
    let res;
    try {
      if (cred?.identityToken) {
        // OAuth2 refresh-token grant, as the Docker CLI does with an identity token.
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.identityToken, client_id: this.clientId });
        if (req.service) form.set('service', req.service);
        if (req.scopes.length) form.set('scope', req.scopes.join(' '));
        res = await this.transport.exchange({
          method: 'POST',
          url,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(form.toString()),
          ...(req.signal ? { signal: req.signal } : {}),
        });
      } else {
        if (req.service) url.searchParams.set('service', req.service);
        for (const s of req.scopes) url.searchParams.append('scope', s);
        url.searchParams.set('client_id', this.clientId);
        const headers: Record<string, string> = {};
        if (cred?.username !== undefined && cred.password !== undefined) {
          headers.Authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        }
        res = await this.transport.exchange({ method: 'GET', url, headers, ...(req.signal ? { signal: req.signal } : {}) });
      }
    } catch (e) {
      const f = e as { reason?: string; message: string; attempts?: number };
      throw new RegistryError(
        {
          kind: f.reason === 'timeout' ? 'timeout' : f.reason === 'aborted' ? 'aborted' : 'network',
          registry: req.registry,
          operation,
          ...(f.attempts !== undefined ? { attempts: f.attempts } : {}),
          cause: e,
        },
        `${f.message}${f.attempts && f.attempts > 1 ? ` (after ${f.attempts} attempts)` : ''}`,
      );
    }
    if (res.status !== 200) {
      const errors = parseErrorBody(res.body);
      const who = cred?.username ? ` (credentials for user ${JSON.stringify(cred.username)} were rejected or lack access)` : cred?.identityToken ? ' (the identity token was rejected)' : ' (anonymous)';
      throw new RegistryError(
        { kind: res.status === 401 || res.status === 403 ? 'auth' : 'http', registry: req.registry, operation, status: res.status, errors },
        describeHttpFailure(res.status, res.statusText, errors, res.body) + (res.status === 401 || res.status === 403 ? who : ''),
      );
    }
    let j: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      j = JSON.parse(res.body.toString('utf8')) as typeof j;
    } catch {
      throw new RegistryError({ kind: 'invalid', registry: req.registry, operation }, 'the token server answered something that is not JSON');
    }
    const token = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' ? j.access_token : '';
    if (!token) throw new RegistryError({ kind: 'invalid', registry: req.registry, operation }, 'the token server answered without a token');
    const lifetime = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    const issued = typeof j.issued_at === 'string' && !Number.isNaN(Date.parse(j.issued_at)) ? Math.min(Date.parse(j.issued_at), this.now()) : this.now();
    // Renew a little early (10% of the lifetime, at most 10 s) so a token does not expire in flight.
    const margin = Math.min(10_000, lifetime * 100);
    return { token, expiresAt: issued + lifetime * 1000 - margin };
  }
}
