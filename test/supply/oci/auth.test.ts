import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TokenCache, mergeScopes } from '../../../src/supply/oci/auth.js';
import { RegistryClient, dockerCredentials } from '../../../src/supply/oci/index.js';
import { Transport } from '../../../src/supply/oci/transport.js';
import { cleanup, tempDirectory } from '../../helpers/image.js';
import { pushTestImage, startRegistry } from '../../helpers/registry.js';
import { rejectsWith } from './helpers.js';

const dir = tempDirectory('kubecomply-oci-auth-');
after(() => cleanup(dir));
let n = 0;


/** A Docker config directory with the given config.json. */
function dockerConfigDir(config: unknown): string {
  const d = path.join(dir, `docker-${++n}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
  return d;
}

/** A `docker-credential-<name>` executable that answers for one server URL, and logs what it was asked. */
function credentialHelper(name: string, serverUrl: string, username: string, secret: string): { binDir: string; log: string } {
  const binDir = path.join(dir, `bin-${++n}`);
  mkdirSync(binDir, { recursive: true });
  const log = path.join(binDir, 'asked');
  const script = `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
printf '%s\\n' "$server" >> ${JSON.stringify(log)}
if [ "$server" = ${JSON.stringify(serverUrl)} ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" ${JSON.stringify(username)} ${JSON.stringify(secret)}
else
  echo "credentials not found in native keychain"; exit 1
fi
`;
  writeFileSync(path.join(binDir, `docker-credential-${name}`), script);
  chmodSync(path.join(binDir, `docker-credential-${name}`), 0o755);
  return { binDir, log };
}

describe('token scopes', () => {
  it('are merged by resource, actions sorted: a challenge may list them in any order', () => {
    // docker-registry writes `push,pull` or `pull,push` (a Go map); both ask for the same rights.
    assert.deepEqual(mergeScopes(['repository:a/b:pull,push', 'repository:a/b:push,pull']), ['repository:a/b:pull,push']);
    assert.deepEqual(mergeScopes(['repository:a/b:push', 'repository:c:pull', 'repository:a/b:pull']), ['repository:a/b:pull,push', 'repository:c:pull']);
    assert.deepEqual(mergeScopes(['registry:catalog:*', 'repository(plugin):x/y:pull']), ['registry:catalog:*', 'repository(plugin):x/y:pull']);
    assert.deepEqual(mergeScopes(['odd']), ['odd']);
  });
});

describe('basic auth (htpasswd)', async () => {
  const reg = await startRegistry({ auth: 'basic' });
  const repo = `${reg.host}/auth/basic`;

  it('refuses anonymous access with a clear error, works with credentials', async () => {
    const anon = new RegistryClient({ dockerConfig: false, retries: 0 });
    const e = await rejectsWith(anon.listTags(repo), 'auth', new RegExp(`registry ${reg.host}: GET tags auth/basic: 401 Unauthorized — UNAUTHORIZED: authentication required \\(no credentials for ${reg.host}`));
    assert.equal(e.status, 401);
    const client = new RegistryClient({ dockerConfig: false, credentials: reg.credentials! });
    const img = await pushTestImage(client, `${repo}:v1`);
    assert.equal((await client.getManifest(`${repo}:v1`)).digest, img.digest);
    assert.deepEqual(await client.listTags(repo), ['v1']);
  });

  it('says the credentials of which user were rejected for a wrong password', async () => {
    const client = new RegistryClient({ dockerConfig: false, retries: 0, credentials: { [reg.host]: { username: reg.username!, password: 'wrong' } } });
    await rejectsWith(client.getManifest(`${repo}:v1`), 'auth', new RegExp(`401 Unauthorized — UNAUTHORIZED: authentication required \\(credentials for user "${reg.username}" were rejected`));
  });

  it('reads credentials from $DOCKER_CONFIG/config.json (auth base64 and username/password)', async () => {
    const viaAuth = dockerConfigDir({ auths: { [`https://${reg.host}`]: { auth: Buffer.from(`${reg.username}:${reg.password}`).toString('base64') } } });
    const c1 = new RegistryClient({ dockerConfig: { env: { ...process.env, DOCKER_CONFIG: viaAuth } } });
    assert.deepEqual(await c1.listTags(repo), ['v1']);
    const viaFields = dockerConfigDir({ auths: { [reg.host]: { username: reg.username, password: reg.password } } });
    const c2 = new RegistryClient({ dockerConfig: { configDir: viaFields } });
    assert.deepEqual(await c2.listTags(repo), ['v1']);
    // Another registry's entry is not used.
    const other = dockerConfigDir({ auths: { 'other.example.com': { username: reg.username, password: reg.password } } });
    await rejectsWith(new RegistryClient({ dockerConfig: { configDir: other }, retries: 0 }).listTags(repo), 'auth', /no credentials/);
  });

  it('runs docker-credential helpers (credHelpers per registry, credsStore by default)', async () => {
    const helper = credentialHelper('kctest', reg.host, reg.username!, reg.password!);
    const env = { ...process.env, PATH: `${helper.binDir}${path.delimiter}${process.env.PATH ?? ''}` };
    const perRegistry = dockerConfigDir({ credHelpers: { [reg.host]: 'kctest' } });
    assert.deepEqual(await new RegistryClient({ dockerConfig: { configDir: perRegistry, env } }).listTags(repo), ['v1']);
    const store = dockerConfigDir({ auths: { [reg.host]: {} }, credsStore: 'kctest' });
    assert.deepEqual(await new RegistryClient({ dockerConfig: { configDir: store, env } }).listTags(repo), ['v1']);
    // Docker Hub is asked for under its historical key.
    assert.equal(await dockerCredentials('docker.io', { configDir: store, env }), undefined);
    const { readFileSync } = await import('node:fs');
    assert.deepEqual(readFileSync(helper.log, 'utf8').trim().split('\n'), [reg.host, reg.host, 'https://index.docker.io/v1/']);
  });

  it('reports a credential helper that is missing', async () => {
    const cfg = dockerConfigDir({ credHelpers: { [reg.host]: 'kubecomply-no-such-helper' } });
    await rejectsWith(new RegistryClient({ dockerConfig: { configDir: cfg } }).listTags(repo), 'usage', /cannot get credentials: credential helper docker-credential-kubecomply-no-such-helper failed/);
  });
});

describe('bearer token auth (WWW-Authenticate challenge, token server)', async () => {
  const reg = await startRegistry({ auth: 'token' });
  const ts = reg.tokenServer!;
  const repo = `${reg.host}/auth/token`;
  const client = new RegistryClient({ dockerConfig: false, credentials: reg.credentials! });
  const img = await pushTestImage(client, `${repo}:v1`);

  it('fetches tokens for the scope each operation needs, with the challenge service, and caches them', async () => {
    const requests = ts.requests.filter((r) => r.username === reg.username);
    assert.deepEqual(
      requests.map((r) => r.scopes),
      [['repository:auth/token:pull'], ['repository:auth/token:pull,push']],
      'one pull token (blob HEADs), one push token (uploads, manifest) — each fetched once',
    );
    assert.ok(requests.every((r) => r.service === ts.service));
    const before = ts.requests.length;
    assert.equal((await client.getManifest(`${repo}:v1`)).digest, img.digest);
    assert.deepEqual(await client.readBlob(repo, img.layers[0]!.digest), img.layers[0]!.blob);
    assert.equal(ts.requests.length, before, 'the cached pull token serves later pulls');
  });

  it('asks for pull and the mount source in one token when mounting across repositories', async () => {
    const r = await client.pushBlob(`${reg.host}/auth/mounted`, img.layers[0]!.blob, { mountFrom: 'auth/token' });
    assert.equal(r.status, 'mounted');
    const mountRequest = ts.requests.find((q) => q.scopes.includes('repository:auth/token:pull') && q.scopes.includes('repository:auth/mounted:pull,push'));
    assert.ok(mountRequest, JSON.stringify(ts.requests));
  });

  it('keeps a token until shortly before it expires, per (registry, scope)', async () => {
    let now = Date.now();
    const transport = new Transport({ timeoutMs: 10_000, retries: 0, backoffMs: 1, maxBackoffMs: 1, userAgent: 'test' });
    const cache = new TokenCache(transport, 'test', () => now);
    const scopes = ['repository:auth/token:pull'];
    const req = { registry: reg.host, realm: ts.url, service: ts.service, scopes, credential: reg.credentials![reg.host]! };
    const before = ts.requests.length;
    const [a, b] = await Promise.all([cache.fetch(req, scopes), cache.fetch(req, scopes)]);
    assert.equal(a, b);
    assert.equal(ts.requests.length, before + 1, 'concurrent fetches share one request');
    assert.equal(cache.cached(reg.host, scopes), a);
    assert.equal(cache.cached(reg.host, ['repository:auth/token:pull,push']), undefined);
    // The server says expires_in 300: renewed 10 s early.
    now += 289_000;
    assert.equal(cache.cached(reg.host, scopes), a);
    now += 2_000;
    assert.equal(cache.cached(reg.host, scopes), undefined);
    transport.close();
  });

  it('refuses anonymous callers: the token grants nothing and the registry says so', async () => {
    const anon = new RegistryClient({ dockerConfig: false, retries: 0 });
    await rejectsWith(anon.getManifest(`${repo}:v1`), 'auth', /GET manifest auth\/token:v1: 401 Unauthorized — UNAUTHORIZED: authentication required .*no credentials/);
    assert.ok(ts.requests.some((r) => r.username === undefined && r.scopes.includes('repository:auth/token:pull')));
  });

  it('exchanges a Docker identitytoken (OAuth2 refresh token) from config.json for access tokens', async () => {
    const cfg = dockerConfigDir({ auths: { [reg.host]: { identitytoken: ts.identityToken } } });
    const viaRefresh = new RegistryClient({ dockerConfig: { configDir: cfg } });
    assert.equal((await viaRefresh.getManifest(`${repo}:v1`)).digest, img.digest);
    const posts = ts.requests.filter((r) => r.grant !== undefined);
    assert.deepEqual(posts.map((r) => [r.grant, r.scopes, r.username, r.refused]), [['refresh_token', ['repository:auth/token:pull'], reg.username, undefined]]);
    const wrong = new RegistryClient({ dockerConfig: false, retries: 0, credentials: { [reg.host]: { identityToken: 'not-it' } } });
    await rejectsWith(wrong.listTags(repo), 'auth', /401 Unauthorized — UNAUTHORIZED: invalid refresh token \(the identity token was rejected\)/);
  });

  it('reports a wrong password as refused by the token server, naming the user', async () => {
    const bad = new RegistryClient({ dockerConfig: false, retries: 0, credentials: { [reg.host]: { username: reg.username!, password: 'wrong' } } });
    await rejectsWith(bad.listTags(repo), 'auth', new RegExp(`token request to ${ts.url.replace(/\//g, '\\/')} for repository:auth/token:pull: 401 Unauthorized — UNAUTHORIZED: invalid username or password \\(credentials for user "${reg.username}"`));
  });
});

describe('bearer token auth with anonymous pull', async () => {
  const reg = await startRegistry({ auth: 'token', anonymousPull: true });
  const repo = `${reg.host}/auth/public`;
  const img = await pushTestImage(new RegistryClient({ dockerConfig: false, credentials: reg.credentials! }), `${repo}:v1`);

  it('lets anonymous callers pull with an anonymous token, but not push', async () => {
    const anon = new RegistryClient({ dockerConfig: false, retries: 0 });
    assert.equal((await anon.getManifest(`${repo}:v1`)).digest, img.digest);
    await rejectsWith(anon.pushManifest(`${repo}:v2`, img.manifest, img.mediaType), 'auth', /PUT manifest auth\/public:v2: 401 Unauthorized — UNAUTHORIZED/);
  });
});
