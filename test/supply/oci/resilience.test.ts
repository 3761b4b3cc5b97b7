/**
 * Unreachable registries, timeouts, retries and aborts. The registry is real; a small HTTP proxy in
 * front of it injects the failures (503s, a 429 with Retry-After) and counts what reaches it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/index.js';
import { freePort, pushTestImage, startRegistry } from '../../helpers/registry.js';
import { rejectsWith } from './helpers.js';


interface FaultProxy {
  host: string;
  /** Requests received, as "METHOD path". */
  seen: string[];
  /** Answers the next `count` requests matching `match` with `status` instead of forwarding them. */
  fail(match: RegExp, count: number, status: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

async function faultProxy(target: number): Promise<FaultProxy> {
  const seen: string[] = [];
  const faults: { match: RegExp; left: number; status: number; headers: Record<string, string> }[] = [];
  const server = http.createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    seen.push(line);
    const f = faults.find((x) => x.left > 0 && x.match.test(line));
    if (f) {
      f.left--;
      res.writeHead(f.status, { 'Content-Type': 'application/json', ...f.headers });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected failure' }] }));
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
  return {
    host: `127.0.0.1:${port}`,
    seen,
    fail: (match, count, status, headers = {}) => faults.push({ match, left: count, status, headers }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('unreachable registries', () => {
  it('reports a closed port as connection refused after the retries, naming registry and operation', async () => {
    const port = await freePort();
    const client = new RegistryClient({ dockerConfig: false, retries: 2, backoffMs: 5 });
    const e = await rejectsWith(
      client.getManifest(`127.0.0.1:${port}/team/app:v1`),
      'network',
      new RegExp(`^registry 127\\.0\\.0\\.1:${port}: GET manifest team/app:v1: connection refused \\(ECONNREFUSED\\) \\(after 3 attempts\\)$`),
    );
    assert.equal(e.attempts, 3);
  });

  it('bounds an attempt that gets no answer by the timeout, and retries it', async () => {
    // Accepts connections and never answers: a hung registry.
    const sockets: net.Socket[] = [];
    let connections = 0;
    const hung = net.createServer((s) => {
      connections++;
      sockets.push(s);
    });
    const port = await new Promise<number>((r) => hung.listen(0, '127.0.0.1', () => r((hung.address() as net.AddressInfo).port)));
    try {
      const client = new RegistryClient({ dockerConfig: false, timeoutMs: 150, retries: 1, backoffMs: 5, insecureRegistries: [] });
      const e = await rejectsWith(client.listTags(`127.0.0.1:${port}/team/app`), 'timeout', new RegExp(`registry 127\\.0\\.0\\.1:${port}: GET tags team/app: no response within 150 ms \\(after 2 attempts\\)`));
      assert.equal(e.attempts, 2);
      assert.equal(connections, 2);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('stops at once when the caller aborts (the admission time budget), without retrying', async () => {
    // A registry that accepts and never answers; the caller's budget runs out while the attempt waits.
    const sockets: net.Socket[] = [];
    const ac = new AbortController();
    const hung = net.createServer((s) => {
      sockets.push(s);
      ac.abort();
    });
    const port = await new Promise<number>((r) => hung.listen(0, '127.0.0.1', () => r((hung.address() as net.AddressInfo).port)));
    try {
      const client = new RegistryClient({ dockerConfig: false, timeoutMs: 600_000, retries: 5, backoffMs: 60_000 });
      const e = await rejectsWith(client.getManifest(`127.0.0.1:${port}/team/app:v1`, { signal: ac.signal }), 'aborted', /GET manifest team\/app:v1: aborted by the caller$/);
      assert.equal(e.attempts, 1);
      assert.equal(sockets.length, 1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });
});

describe('retries against a real registry behind a fault-injecting proxy', async () => {
  const reg = await startRegistry();
  const proxy = await faultProxy(reg.port);
  const client = new RegistryClient({ dockerConfig: false, retries: 2, backoffMs: 5 });
  const repo = `${proxy.host}/retry/app`;
  const img = await pushTestImage(client, `${repo}:v1`);

  it('retries 5xx and 429 (honouring Retry-After) and then succeeds', async () => {
    proxy.fail(/GET \/v2\/retry\/app\/manifests\/v1/, 1, 503);
    proxy.fail(/GET \/v2\/retry\/app\/manifests\/v1/, 1, 429, { 'Retry-After': '0' });
    const before = proxy.seen.length;
    assert.equal((await client.getManifest(`${repo}:v1`)).digest, img.digest);
    assert.deepEqual(proxy.seen.slice(before), Array(3).fill('GET /v2/retry/app/manifests/v1'));
  });

  it('gives up after the retries with the last status and the registry error body', async () => {
    proxy.fail(/GET \/v2\/retry\/app\/tags\/list/, 10, 503);
    const e = await rejectsWith(client.listTags(repo), 'http', new RegExp(`registry ${proxy.host}: GET tags retry/app: 503 Service Unavailable — UNAVAILABLE: injected failure \\(after 3 attempts\\)`));
    assert.equal(e.status, 503);
    assert.equal(e.attempts, 3);
  });

  it('never retries a 4xx', async () => {
    const before = proxy.seen.length;
    await rejectsWith(client.getManifest(`${repo}:missing`), 'not-found', /404 Not Found — MANIFEST_UNKNOWN/);
    assert.deepEqual(proxy.seen.slice(before), ['GET /v2/retry/app/manifests/missing']);
  });

  it('replays an upload body on retry', async () => {
    proxy.fail(/PUT \/v2\/retry\/app\/manifests\/v2/, 1, 502);
    const r = await client.pushManifest(`${repo}:v2`, img.manifest, img.mediaType);
    assert.equal(r.digest, img.digest);
    assert.equal((await client.getManifest(`${repo}:v2`)).digest, img.digest);
    await proxy.close();
  });
});
