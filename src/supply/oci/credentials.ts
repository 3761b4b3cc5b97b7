/**
 * Registry credentials the way the Docker CLI stores them: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`) with `auths` entries (`auth` = base64 "user:password", or `username` and
 * `password`, or an `identitytoken` — an OAuth2 refresh token), `credHelpers` per registry and a
 * default `credsStore`, both run as `docker-credential-<name> get` with the server URL on stdin.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
}

export interface DockerConfigOptions {
  /** Directory holding config.json; default $DOCKER_CONFIG or ~/.docker. */
  configDir?: string;
  /** Environment for credential helpers (PATH lookup); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Bound on a credential helper run (default 10 s). */
  helperTimeoutMs?: number;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The key Docker uses for Docker Hub in config.json and with credential helpers. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://host:port/v1/` → `host:port`, Docker Hub aliases → `docker.io`. */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  k = k.toLowerCase();
  return DOCKER_HUB_ALIASES.has(k) ? 'docker.io' : k;
}

function readConfig(dir: string): DockerConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'config.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path.join(dir, 'config.json')}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch (e) {
    throw new Error(`${path.join(dir, 'config.json')} is not valid JSON: ${(e as Error).message}`);
  }
}

function fromAuthEntry(entry: NonNullable<DockerConfigFile['auths']>[string], where: string): Credential | undefined {
  if (entry.identitytoken) {
    const c: Credential = { identityToken: entry.identitytoken };
    if (entry.username) c.username = entry.username;
    return c;
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`${where}: "auth" is not base64 of "username:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Runs `docker-credential-<helper> get`; undefined when the helper has nothing for this server. */
export function runCredentialHelper(helper: string, serverUrl: string, opts: DockerConfigOptions = {}): Promise<Credential | undefined> {
  const bin = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = execFile(bin, ['get'], { env: opts.env ?? process.env, timeout: opts.helperTimeoutMs ?? 10_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const out = String(stdout).trim();
      if (err) {
        // The protocol: "credentials not found" on stdout (or stderr) with a non-zero exit means none stored.
        if (/credentials not found/i.test(out) || /credentials not found/i.test(String(stderr))) return resolve(undefined);
        return reject(new Error(`credential helper ${bin} failed for ${serverUrl}: ${(String(stderr).trim() || out || err.message).slice(0, 300)}`));
      }
      let j: { Username?: string; Secret?: string };
      try {
        j = JSON.parse(out) as { Username?: string; Secret?: string };
      } catch {
        return reject(new Error(`credential helper ${bin} printed something that is not JSON for ${serverUrl}`));
      }
      if (!j.Secret) return resolve(undefined);
      // Docker's convention: the username "<token>" marks the secret as an identity (refresh) token.
      if (j.Username === '<token>') return resolve({ identityToken: j.Secret });
      resolve({ username: j.Username ?? '', password: j.Secret });
    });
    child.stdin?.end(serverUrl);
  });
}

/**
 * Credentials for `registry` (a host[:port], Docker Hub as `docker.io`) from the Docker config:
 * `credHelpers[registry]`, then an `auths` entry carrying credentials, then `credsStore`.
 */
export async function dockerCredentials(registry: string, opts: DockerConfigOptions = {}): Promise<Credential | undefined> {
  const env = opts.env ?? process.env;
  const dir = opts.configDir ?? env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  const cfg = readConfig(dir);
  if (!cfg) return undefined;
  const host = normalizeRegistryKey(registry);
  const serverUrl = host === 'docker.io' ? DOCKER_HUB_KEY : host;
  const helperFor = Object.entries(cfg.credHelpers ?? {}).find(([k]) => normalizeRegistryKey(k) === host)?.[1];
  if (helperFor) return runCredentialHelper(helperFor, serverUrl, { ...opts, env });
  for (const [k, entry] of Object.entries(cfg.auths ?? {})) {
    if (normalizeRegistryKey(k) !== host || !entry) continue;
    const c = fromAuthEntry(entry, `${path.join(dir, 'config.json')} auths[${JSON.stringify(k)}]`);
    if (c) return c;
  }
  if (cfg.credsStore) return runCredentialHelper(cfg.credsStore, serverUrl, { ...opts, env });
  return undefined;
}
