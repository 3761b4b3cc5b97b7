/**
 * Shared pieces of the ImageVerifier tests: keys on disk, ImagePolicy documents written to files and read through
 * the same loader and parser as `kubecomply verify --policy`, a verifier over a registry, and a request counter.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { loadSources } from '../../../src/sources/loader.js';
import { ImageVerifier, type ImageVerdict, type VerifierOptions } from '../../../src/supply/policy/evaluate.js';
import { parseImagePolicies, type ImagePolicy } from '../../../src/supply/policy/image-policy.js';
import { fromPrivateKeyObject, type PrivateKeyInfo } from '../../../src/supply/signature/index.js';

export interface TestKey {
  key: PrivateKeyInfo;
  /** Path of the SPKI PEM file. */
  pub: string;
}

export function keyPair(dir: string, name: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = path.join(dir, `${name}.pub`);
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { key: fromPrivateKeyObject(privateKey), pub };
}

/** Writes `yaml` (one or more documents) to dir/name and parses the ImagePolicy documents in it. */
export async function policiesFrom(dir: string, name: string, yaml: string): Promise<{ policies: ImagePolicy[]; invalid: { name: string; images: string[] }[]; errors: string[] }> {
  const file = path.join(dir, name);
  writeFileSync(file, yaml);
  const loaded = await loadSources([file], { defaultNamespace: 'default' });
  const parsed = parseImagePolicies(loaded.resources);
  const errors = [...loaded.diagnostics.filter((d) => d.level === 'error'), ...parsed.diagnostics].map((d) => d.message);
  return { policies: parsed.policies, invalid: parsed.invalid, errors };
}

/** Parses a policy file that must be valid. */
export async function validPolicies(dir: string, name: string, yaml: string): Promise<ImagePolicy[]> {
  const r = await policiesFrom(dir, name, yaml);
  assert.deepEqual(r.errors, [], 'the policy should be valid');
  assert.ok(r.policies.length > 0);
  return r.policies;
}

export function verifier(policies: ImagePolicy[], opts: Omit<VerifierOptions, 'policies'>): ImageVerifier {
  return new ImageVerifier({ policies, ...opts });
}

/** The failure messages of a verdict, one per line, for assertions and diagnostics. */
export function failureText(v: ImageVerdict): string {
  return v.failures.map((f) => `${f.policy}: ${f.requirement}: ${f.message}`).join('\n');
}

export function assertAllowed(v: ImageVerdict, what: string): void {
  assert.equal(v.allowed, true, `${what}: expected allowed, got:\n${failureText(v)}`);
  assert.deepEqual(v.failures, []);
}

/** The verdict is a denial with exactly one failure of `requirement` whose message matches `re`. */
export function assertDenied(v: ImageVerdict, requirement: string, re: RegExp, what: string): string {
  assert.equal(v.allowed, false, `${what}: expected a denial`);
  const f = v.failures.filter((x) => x.requirement === requirement);
  assert.equal(f.length, 1, `${what}: expected one ${requirement} failure, got:\n${failureText(v)}`);
  assert.match(f[0]!.message, re, what);
  return f[0]!.message;
}

/**
 * A counting HTTP forwarder in front of a registry: every request the verifier makes goes through it, so a test can
 * tell how many were made (and that none were, for a cached verdict).
 */
export async function countingProxy(target: { port: number }): Promise<{ host: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const up = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${target.port}` } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
