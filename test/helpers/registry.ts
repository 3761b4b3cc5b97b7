/**
 * A real, throwaway OCI registry for tests: Debian's `docker-registry` (distribution 2.8) started as a
 * child process on a free loopback port, with its own generated config.yml and a temporary storage
 * directory (never the system configuration), stopped and removed when the test file finishes.
 *
 *   const reg = await startRegistry({ tls: true, auth: 'token' });
 *   const client = new RegistryClient({ ca: reg.ca, credentials: reg.credentials, dockerConfig: false });
 *   const img = await pushTestImage(client, `${reg.host}/team/app:v1`);
 *
 * Modes: plain HTTP (default); `tls` — HTTPS with a serving certificate from a CA generated in-process
 * (`ca` is its PEM); `auth: 'basic'` — htpasswd with one user; `auth: 'token'` — the registry's
 * `auth.token` section and a token server run here, which issues ES256 JWTs with an `x5c` header
 * whose leaf is issued by a CA in the registry's `rootcertbundle` (the only key discovery distribution
 * 2.8 supports without libtrust key IDs). The token server grants the user (by password over Basic,
 * or by `tokenServer.identityToken` in an OAuth2 refresh-token POST) whatever repository actions are
 * requested, and anonymous callers only `pull` when `anonymousPull` is set (else nothing).
 *
 * Start it anywhere (module top level, a before() hook, a test): the registry is stopped by stop(), or
 * at the latest when the test process exits. .ci/run installs the package; tests never skip for want of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign as cryptoSign, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { freePort, stopProcess } from './net.js';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { generateCa, issueServingCert } from '../../src/server/certs.js';
import { MediaType, type RegistryClient } from '../../src/supply/oci/index.js';
import { imageConfig, makeLayer, sha256, type FileEntry, type Layer, type PlatformSpec } from './image.js';

export const REGISTRY_BINARY = process.env.KUBECOMPLY_TEST_REGISTRY ?? '/usr/bin/docker-registry';

export interface RegistryOptions {
  /** Serve HTTPS with a certificate from a freshly generated CA. */
  tls?: boolean;
  /** Require credentials: htpasswd basic auth, or bearer tokens from a token server run by the helper. */
  auth?: 'basic' | 'token';
  /** Token mode: let anonymous callers pull (default: anonymous tokens grant nothing). */
  anonymousPull?: boolean;
}

export interface TokenServerRequest {
  /** The user the token server authenticated, or undefined for anonymous requests. */
  username?: string;
  service?: string;
  scopes: string[];
  /** How the request was refused, if it was (e.g. 'bad credentials'). */
  refused?: string;
  /** The OAuth2 grant type of a POST (refresh-token) request. */
  grant?: string;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` — the registry part of image references. */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` or `https://…`. */
  url: string;
  /** The registry's storage root (for tampering with blobs on disk). */
  storageDir: string;
  /** PEM of the CA that issued the serving certificate (tls mode). */
  ca?: string;
  /** The one user (auth modes). */
  username?: string;
  password?: string;
  /** `{ [host]: { username, password } }`, ready for RegistryClient's `credentials` (auth modes). */
  credentials?: Record<string, { username: string; password: string }>;
  /** Token mode: the token server's address and every request it received, in order. */
  tokenServer?: { url: string; service: string; issuer: string; requests: TokenServerRequest[]; identityToken: string };
  /** Path of a blob's data file inside the storage directory. */
  blobPath(digest: string): string;
  /** The registry process's output so far (for diagnosing failures). */
  log(): string;
  stop(): Promise<void>;
}

export { freePort };

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

interface TokenServer {
  url: string;
  requests: TokenServerRequest[];
  close(): Promise<void>;
}

/** The token server of the Docker token authentication spec, issuing JWTs distribution 2.8 accepts. */
async function startTokenServer(opts: {
  service: string;
  issuer: string;
  signer: { certPem: string; keyPem: string };
  username: string;
  password: string;
  identityToken: string;
  anonymousPull: boolean;
}): Promise<TokenServer> {
  const key = createPrivateKey(opts.signer.keyPem);
  const leafDer = new X509Certificate(opts.signer.certPem).raw;
  const requests: TokenServerRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => answer(req, res, body));
  });
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://token');
    // GET carries the parameters in the query; the OAuth2 refresh-token POST in a form body.
    const params = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const service = params.get('service') ?? undefined;
    const entry: TokenServerRequest = { scopes, ...(service ? { service } : {}) };
    requests.push(entry);
    const auth = req.headers.authorization;
    let user: string | undefined;
    if (req.method === 'POST') {
      entry.grant = params.get('grant_type') ?? '';
      if (entry.grant !== 'refresh_token' || params.get('refresh_token') !== opts.identityToken) {
        entry.refused = 'bad refresh token';
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }] }));
        return;
      }
      user = opts.username;
      entry.username = user;
    } else if (auth) {
      const m = /^Basic (.+)$/i.exec(auth);
      const decoded = m ? Buffer.from(m[1]!, 'base64').toString() : '';
      const colon = decoded.indexOf(':');
      if (colon < 0 || decoded.slice(0, colon) !== opts.username || decoded.slice(colon + 1) !== opts.password) {
        entry.refused = 'bad credentials';
        if (colon >= 0) entry.username = decoded.slice(0, colon);
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      user = opts.username;
      entry.username = user;
    }
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      if (type !== 'repository' || !name) return [];
      const granted = user ? actions.split(',') : opts.anonymousPull ? actions.split(',').filter((a) => a === 'pull') : [];
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [leafDer.toString('base64')] };
    const claims = { iss: opts.issuer, sub: user ?? '', aud: opts.service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // JWS ES256 signatures are r||s (IEEE P1363), not DER.
    const sig = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${input}.${b64url(sig)}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  };
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  server.unref();
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** GET /v2/ until the registry answers (200, or 401 when auth is on). */
async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`docker-registry exited early (code ${child.exitCode}):\n${log()}`);
    const status = await new Promise<number>((resolve) => {
      const mod = url.startsWith('https:') ? https : http;
      // Readiness only: the certificate is what the tests themselves check.
      const req = mod.get(`${url}/v2/`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
    });
    if (status === 200 || status === 401) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer /v2/ within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a registry (stopped by stop(), or when the process exits). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  if (!existsSync(REGISTRY_BINARY)) throw new Error(`${REGISTRY_BINARY} not found: install Debian's docker-registry package (.ci/run does)`);
  const root = mkdtempSync(path.join(os.tmpdir(), 'kubecomply-registry-'));
  const storageDir = path.join(root, 'storage');
  const username = opts.auth ? 'kubecomply' : undefined;
  const password = opts.auth ? randomBytes(12).toString('hex') : undefined;
  let ca: { certPem: string; keyPem: string } | undefined;
  const lines: string[] = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'health:',
    '  storagedriver:',
    '    enabled: false',
  ];
  let tokenServer: TokenServer | undefined;
  const service = 'kubecomply-test-registry';
  // Token mode also accepts this OAuth2 refresh token (Docker's `identitytoken`) for the user.
  const identityToken = randomBytes(16).toString('hex');
  const issuer = 'kubecomply-test-token-issuer';
  if (opts.tls || opts.auth === 'token') ca = await generateCa({ commonName: 'kubecomply test registry CA' });
  if (opts.auth === 'basic') {
    const htpasswd = path.join(root, 'htpasswd');
    // Cost 4 (the minimum) keeps each request's bcrypt check cheap on a shared CI machine.
    writeFileSync(htpasswd, `${username}:${bcrypt.hashSync(password!, 4)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: kubecomply-test', `    path: ${JSON.stringify(htpasswd)}`);
  } else if (opts.auth === 'token') {
    const signer = await issueServingCert(ca!, { dnsNames: ['token-signer.kubecomply.test'] });
    const bundle = path.join(root, 'token-ca.pem');
    writeFileSync(bundle, ca!.certPem);
    tokenServer = await startTokenServer({ service, issuer, signer, username: username!, password: password!, identityToken, anonymousPull: opts.anonymousPull ?? false });
    lines.push('auth:', '  token:', `    realm: ${JSON.stringify(tokenServer.url)}`, `    service: ${service}`, `    issuer: ${issuer}`, `    rootcertbundle: ${JSON.stringify(bundle)}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const cfg = [...lines, 'http:', `  addr: ${host}`, `  secret: ${randomBytes(16).toString('hex')}`];
    if (opts.tls) {
      const serving = await issueServingCert(ca!, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
      writeFileSync(path.join(root, 'tls.crt'), serving.certPem);
      writeFileSync(path.join(root, 'tls.key'), serving.keyPem);
      cfg.push('  tls:', `    certificate: ${JSON.stringify(path.join(root, 'tls.crt'))}`, `    key: ${JSON.stringify(path.join(root, 'tls.key'))}`);
    }
    const configFile = path.join(root, 'config.yml');
    writeFileSync(configFile, cfg.join('\n') + '\n');
    let output = '';
    const child = spawn(REGISTRY_BINARY, ['serve', configFile], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      output += b.toString();
      // Bounded: the log is for diagnosis, not an archive.
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Neither the process nor its pipes keep the test file alive: it may end without calling stop(),
    // and the exit handler below kills the registry and removes its directory.
    child.unref();
    (child.stdout as net.Socket | null)?.unref();
    (child.stderr as net.Socket | null)?.unref();
    const url = `${opts.tls ? 'https' : 'http'}://${host}`;
    try {
      await waitReady(url, child, () => output, 30_000);
    } catch (e) {
      lastError = e;
      child.kill('SIGKILL');
      continue;
    }
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await stopProcess(child, 'SIGTERM', 5_000);
      await tokenServer?.close();
      rmSync(root, { recursive: true, force: true });
      process.removeListener('exit', onExit);
    };
    const onExit = () => {
      if (!stopped) {
        child.kill('SIGKILL');
        rmSync(root, { recursive: true, force: true });
      }
    };
    process.once('exit', onExit);
    const reg: TestRegistry = {
      host,
      port,
      url,
      storageDir,
      blobPath: (digest: string) => {
        const [alg, hex] = digest.split(':');
        return path.join(storageDir, 'docker', 'registry', 'v2', 'blobs', alg!, hex!.slice(0, 2), hex!, 'data');
      },
      log: () => output,
      stop,
    };
    if (opts.tls) reg.ca = ca!.certPem;
    if (username && password) {
      reg.username = username;
      reg.password = password;
      reg.credentials = { [host]: { username, password } };
    }
    if (tokenServer) reg.tokenServer = { url: tokenServer.url, service, issuer, requests: tokenServer.requests, identityToken };
    return reg;
  }
  await tokenServer?.close();
  rmSync(root, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

// ───────────────────────────── test images ─────────────────────────────

export interface TestImageOptions {
  /** 'oci' (default) or 'docker' (Docker v2 schema 2 media types). */
  format?: 'oci' | 'docker';
  platform?: PlatformSpec;
  /** Layer content; default one small file naming the reference and platform (so images differ). */
  files?: FileEntry[];
  /** Manifest annotations (OCI). */
  annotations?: Record<string, string>;
}

export interface TestImage {
  /** The manifest's digest. */
  digest: string;
  manifest: Buffer;
  mediaType: string;
  config: { digest: string; bytes: Buffer };
  layers: Layer[];
  /** `host/repo@digest`. */
  ref: string;
}

function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** Builds a one-layer image and pushes its blobs and manifest to `ref` (tag or digest) with the client. */
export async function pushTestImage(client: RegistryClient, ref: string, opts: TestImageOptions = {}): Promise<TestImage> {
  const format = opts.format ?? 'oci';
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const files = opts.files ?? [{ name: 'etc/kubecomply-test-image', data: `${ref} ${platform.os}/${platform.architecture}${platform.variant ? '/' + platform.variant : ''}\n` }];
  const layer = await makeLayer(files);
  if (format === 'docker') layer.mediaType = MediaType.DockerLayerGzip;
  const config = imageConfig([layer], platform);
  const configDigest = sha256(config);
  const repo = repositoryOf(ref);
  await client.pushBlob(repo, layer.blob);
  await client.pushBlob(repo, config);
  const mediaType = format === 'docker' ? MediaType.DockerManifest : MediaType.OciManifest;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: format === 'docker' ? MediaType.DockerConfig : MediaType.OciConfig, digest: configDigest, size: config.length },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.blob.length }],
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    }),
  );
  const { digest } = await client.pushManifest(ref, manifest, mediaType);
  return { digest, manifest, mediaType, config: { digest: configDigest, bytes: config }, layers: [layer], ref: `${repo}@${digest}` };
}

/** Pushes one image per platform (by digest) and an index (OCI) or manifest list (docker) over them to `ref`. */
export async function pushTestIndex(
  client: RegistryClient,
  ref: string,
  platforms: PlatformSpec[],
  opts: { format?: 'oci' | 'docker' } = {},
): Promise<{ digest: string; index: Buffer; mediaType: string; images: TestImage[] }> {
  const repo = repositoryOf(ref);
  const images: TestImage[] = [];
  for (const p of platforms) {
    const staging = await pushTestImage(client, `${repo}:staging-${p.os}-${p.architecture}${p.variant ? '-' + p.variant : ''}`, { ...(opts.format ? { format: opts.format } : {}), platform: p });
    images.push(staging);
  }
  const mediaType = opts.format === 'docker' ? MediaType.DockerManifestList : MediaType.OciIndex;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: images.map((img, i) => ({ mediaType: img.mediaType, digest: img.digest, size: img.manifest.length, platform: platforms[i] })),
    }),
  );
  const { digest } = await client.pushManifest(ref, index, mediaType);
  return { digest, index, mediaType, images };
}
