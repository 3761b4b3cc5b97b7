/**
 * `kubecomply serve --audit` as a process (the built CLI): the API server's audit webhook backend on POST /audit
 * with a bearer token, detections listed on GET /audit/findings and recorded in the store as evidence records
 * that `kubecomply evidence list/verify` read after a graceful shutdown; audit flags without --audit are usage errors.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { request } from './helpers.js';

const running: ChildProcess[] = [];
after(() => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
});

const TRACE = path.resolve('../shared/fixtures/audit/falco-trace-events');
const event = (f: string): unknown => JSON.parse(readFileSync(path.join(TRACE, f), 'utf8').split('\n')[0]);

test('serve --audit --store: POST /audit, GET /audit/findings, evidence records that verify', async () => {
  const dir = tempDir('kubecomply-serve-audit-');
  const certDir = path.join(dir, 'certs');
  const store = path.join(dir, 'kubecomply.db');
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, 'api-server-token\n');
  const env = { ...process.env, KUBECOMPLY_STORE: '', KUBECOMPLY_EVIDENCE_KEY: '', KUBECOMPLY_DATA_DIR: dir };
  const child = spawn(process.execPath, [BIN, 'serve', '--address', '127.0.0.1', '--port', '0', '--no-config', '--self-signed', '--cert-dir', certDir, '--audit', '--audit-token-file', tokenFile, '--store', store], { stdio: ['ignore', 'ignore', 'pipe'], env });
  running.push(child);
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${err}`)));
  });
  assert.match(err, /audit webhook backend on POST \/audit \(\d+ rules, detections recorded in .*kubecomply\.db\)/);
  const ca = readFileSync(path.join(certDir, 'ca.crt'), 'utf8');
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [event('exec_pod.json'), event('attach_pod.json'), event('create_nginx_pod_unprivileged.json')] });
  const denied = await request(port, ca, { path: '/audit', body });
  assert.equal(denied.status, 401, denied.body);
  const r = await request(port, ca, { path: '/audit', body, headers: { authorization: 'Bearer api-server-token' } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { events: 3, detections: 2 });
  const f = await request(port, ca, { method: 'GET', path: '/audit/findings', headers: { authorization: 'Bearer api-server-token' } });
  assert.deepEqual(JSON.parse(f.body).items.map((d: { rule: string }) => d.rule), ['audit-pod-exec', 'audit-pod-attach']);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  const list = await runCli(['evidence', 'list', '--kind', 'audit-detection', '--store', store, '--format', 'json'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).map((x: { payload: { rule: string } }) => x.payload.rule), ['audit-pod-exec', 'audit-pod-attach']);
  const verify = await runCli(['evidence', 'verify', '--store', store], { env });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /evidence intact: 2 records/);
});

test('audit flags without --audit are usage errors', async () => {
  const r = await runCli(['serve', '--self-signed', '--port', '0', '--no-config', '--store', 'x.db']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--store is for --audit/);
});
