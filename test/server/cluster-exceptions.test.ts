/**
 * Cluster exceptions end to end, in process: the admission server over HTTPS with the real decider,
 * whose exceptions come from an ExceptionSet fed by a ClusterExceptionSource that lists and watches
 * the fake API server (test/server/fake-kube.ts). A privileged pod is denied, allowed once an
 * exception is ADDED in the cluster, denied again once it is DELETED; an exception without an approver
 * is not honoured; a file exception and a cluster one are judged together; a refused token is counted
 * and the server keeps serving; /readyz waits for the first list.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createDecider, isAdmissionGuard } from '../../src/admission/index.js';
import { defaultAdmissionSettings, defaultExceptionPolicy } from '../../src/config/defaults.js';
import { parsePssVersion } from '../../src/controls/pod-security/version.js';
import { knownBuiltinControl } from '../../src/scanner.js';
import { ClusterExceptionSource, clusterExceptionResource } from '../../src/server/cluster-exceptions.js';
import { ExceptionSet } from '../../src/server/exceptions.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { activeSpec, FakeKubeApi } from './fake-kube.js';
import { podReview, postReview, request, startServer, type Started } from './helpers.js';
import { parsePrometheus, valueOf } from './prom.js';

interface Rig {
  fake: FakeKubeApi;
  s: Started;
  exceptions: ExceptionSet;
  source: ClusterExceptionSource;
  logs: string[];
  tokenFile: string;
  review: (name: string) => Promise<Record<string, any>>;
  metrics: () => Promise<ReturnType<typeof parsePrometheus>>;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function rig(opts: { files?: Record<string, string>; token?: string; setup?: (f: FakeKubeApi) => void; gate?: boolean } = {}): Promise<Rig> {
  const fake = await FakeKubeApi.start();
  opts.setup?.(fake);
  const dir = tempDir();
  writeTree(dir, { 'ca.crt': fake.ca, token: opts.token ?? 'good-token', ...(opts.files ? opts.files : {}) });
  const logs: string[] = [];
  const log = (l: string): void => void logs.push(l);
  const metrics = new ServerMetrics();
  const exceptions = new ExceptionSet({
    files: opts.files ? Object.keys(opts.files).map((f) => path.join(dir, f)) : [],
    policy: defaultExceptionPolicy(),
    knownControl: (id) => knownBuiltinControl(id) || isAdmissionGuard(id),
    log,
    cluster: true,
    metrics,
  });
  await exceptions.load();
  const source = new ClusterExceptionSource({
    connection: { server: fake.url, caFile: path.join(dir, 'ca.crt'), tokenFile: path.join(dir, 'token') },
    exceptions,
    log,
    metrics,
    client: { requestTimeoutMs: 2000, credentialsRefreshMs: 3_600_000 },
    watchTimeoutSeconds: () => 30,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
  });
  const v = parsePssVersion('latest');
  if (typeof v === 'string') throw new Error(v);
  const decider = createDecider({ config: { pss: { level: 'restricted', version: v.version }, defaultNamespace: 'default' }, admission: defaultAdmissionSettings(), exceptions: exceptions.current });
  const s = await startServer({
    decider,
    metrics,
    ...(opts.gate ? { readiness: () => (source.hasSynced ? undefined : 'waiting for the first list of ComplianceExceptions from the cluster') } : {}),
  });
  source.start();
  cleanups.push(async () => {
    await source.stop();
    await s.server.close();
    await fake.close();
  });
  return {
    fake,
    s,
    exceptions,
    source,
    logs,
    tokenFile: path.join(dir, 'token'),
    review: async (name) => JSON.parse((await postReview(s.port, s.ca, podReview({ name, privileged: true }))).body).response,
    metrics: async () => parsePrometheus((await request(s.port, s.ca, { method: 'GET', path: '/metrics' })).body),
  };
}

const activeNames = (r: Rig): string[] =>
  r.exceptions
    .current()
    .filter((x) => x.state === 'active')
    .map((x) => `${x.exception.namespace}/${x.exception.name}`);

describe('cluster exceptions at admission', () => {
  test('denied; ADDED in the cluster: allowed, naming the exception; MODIFIED away: denied; DELETED: denied', async () => {
    const r = await rig();
    await r.source.whenSynced();
    const before = await r.review('legacy-app');
    assert.equal(before.allowed, false);
    assert.match(before.status.message, /pss-privileged/);

    r.fake.create('shop', 'legacy-privileged', activeSpec());
    await r.fake.until(() => activeNames(r).includes('shop/legacy-privileged'), 'the ADDED exception in force');
    const allowed = await r.review('legacy-app');
    assert.equal(allowed.allowed, true, 'the cluster exception excuses it');
    assert.equal(allowed.auditAnnotations.exceptions, 'shop/legacy-privileged');
    assert.ok(allowed.warnings.some((w: string) => w.includes('shop/legacy-privileged')), allowed.warnings.join('\n'));
    assert.equal((await r.review('other-app')).allowed, false, 'only what it matches');
    const m = await r.metrics();
    assert.equal(valueOf(m, 'kubecomply_admission_exceptions_used_total', { exception: 'shop/legacy-privileged' }), 1);
    assert.equal(valueOf(m, 'kubecomply_exceptions', { source: 'cluster', state: 'active' }), 1);
    assert.equal(valueOf(m, 'kubecomply_exception_source_synced', { source: 'cluster' }), 1);
    assert.ok(r.logs.some((l) => /exceptions updated \(cluster: ADDED shop\/legacy-privileged\): 1 exception \(1 active\), 1 from the cluster/.test(l)), r.logs.join('\n'));

    r.fake.update('shop', 'legacy-privileged', activeSpec({ match: { kinds: ['Pod'], names: ['other-*'] } }));
    await r.fake.until(() => r.exceptions.current()[0]?.exception.match.names?.[0] === 'other-*', 'the MODIFIED exception');
    assert.equal((await r.review('legacy-app')).allowed, false, 'no longer matches');
    assert.equal((await r.review('other-app')).allowed, true);

    r.fake.delete('shop', 'legacy-privileged');
    await r.fake.until(() => r.exceptions.current().length === 0, 'the DELETED exception gone');
    assert.equal((await r.review('other-app')).allowed, false, 'revoked without a restart');
  });

  test('an exception without an approver is not honoured: the review is denied and names it as unapproved', async () => {
    const r = await rig();
    await r.source.whenSynced();
    const { approvedBy: _a, ...spec } = activeSpec();
    r.fake.create('shop', 'self-service', spec);
    await r.fake.until(() => r.exceptions.current().length === 1, 'the exception judged');
    const st = r.exceptions.current()[0];
    assert.equal(st.state, 'unapproved');
    assert.equal(st.exception.origin.file, 'cluster:complianceexceptions/shop/self-service');
    const res = await r.review('legacy-app');
    assert.equal(res.allowed, false);
    assert.equal(res.auditAnnotations['exceptions-not-honoured'], 'shop/self-service=unapproved');
    assert.ok(
      r.logs.some((l) => l.includes('cluster:complianceexceptions/shop/self-service: warning: exception "shop/self-service" is unapproved and not honoured: spec.approvedBy: missing')),
      r.logs.join('\n'),
    );
    const m = await r.metrics();
    assert.equal(valueOf(m, 'kubecomply_exceptions', { source: 'cluster', state: 'unapproved' }), 1);
  });

  test('the same governance as files: too long a validity, an unknown control, a placeholder justification are invalid', async () => {
    const day = (o: number): string => new Date(Date.now() + o * 86_400_000).toISOString().slice(0, 10);
    const r = await rig({
      setup: (f) => {
        f.create('shop', 'forever', activeSpec({ approvedAt: day(-1), expires: day(200) }));
        f.create('shop', 'unknown', activeSpec({ controls: ['no-such-control'] }));
        f.create('shop', 'todo', activeSpec({ justification: 'TODO: write the justification here' }));
        f.create('shop', 'lapsed', activeSpec({ approvedAt: day(-40), expires: day(-2) }));
      },
    });
    await r.source.whenSynced();
    const states = Object.fromEntries(r.exceptions.current().map((x) => [x.exception.name, x.state]));
    assert.deepEqual(states, { forever: 'invalid', lapsed: 'expired', todo: 'invalid', unknown: 'invalid' });
    assert.equal((await r.review('legacy-app')).allowed, false);
  });

  test('file and cluster exceptions together; a cluster exception with the name of a file one is a duplicate, not honoured', async () => {
    const file = `apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata: {name: from-file, namespace: shop}
spec:
  controls: [pss-privileged]
  match: {kinds: [Pod], names: [file-*]}
  justification: The file exception covers the pods the platform team migrates next month.
  approvedBy: security@example.com
  approvedAt: ${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}
  expires: ${new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10)}
`;
    const r = await rig({ files: { 'ex.yaml': file }, setup: (f) => f.create('shop', 'legacy-privileged', activeSpec()) });
    await r.source.whenSynced();
    assert.equal((await r.review('file-app')).allowed, true);
    assert.equal((await r.review('legacy-app')).allowed, true);
    r.fake.create('shop', 'from-file', activeSpec({ match: { kinds: ['Pod'], names: ['sneaky-*'] } }));
    await r.fake.until(() => r.exceptions.current().length === 3, 'the duplicate judged');
    const dup = r.exceptions.current().find((x) => x.exception.origin.file.startsWith('cluster:') && x.exception.name === 'from-file')!;
    assert.equal(dup.state, 'invalid');
    assert.match(dup.problems.join(' '), /duplicate: exception "shop\/from-file" is already defined at .*ex\.yaml:1/);
    assert.equal((await r.review('sneaky-app')).allowed, false);
    assert.equal((await r.review('file-app')).allowed, true, 'the file one still holds');
  });

  test('a refused token: counted, logged once, the server keeps serving; a good token recovers and says so', async () => {
    const r = await rig({ token: 'stale-token', setup: (f) => f.create('shop', 'legacy-privileged', activeSpec()) });
    await r.fake.until(() => r.fake.listRequests().length >= 4, 'several attempts');
    const m = await r.metrics();
    assert.ok(valueOf(m, 'kubecomply_exception_source_errors_total', { source: 'cluster', reason: 'unauthorized' }) >= 3);
    assert.equal(valueOf(m, 'kubecomply_exception_source_synced', { source: 'cluster' }), 0);
    const logged = r.logs.filter((l) => l.includes('401'));
    assert.equal(logged.length, 1, `logged once, not per retry:\n${r.logs.join('\n')}`);
    assert.match(logged[0], /cluster exceptions: GET \/apis\/kubecomply\.io\/v1alpha1\/complianceexceptions: 401: Unauthorized \(the service account token was refused.*no cluster exception is honoured until the list succeeds; retrying/);
    // Still serving: reviews are answered (without the exception) and the probes answer.
    assert.equal((await r.review('legacy-app')).allowed, false);
    assert.equal((await request(r.s.port, r.s.ca, { method: 'GET', path: '/healthz' })).status, 200);
    writeFileSync(r.tokenFile, 'good-token');
    await r.source.whenSynced();
    assert.equal((await r.review('legacy-app')).allowed, true);
    assert.equal(valueOf(await r.metrics(), 'kubecomply_exception_source_synced', { source: 'cluster' }), 1);
  });

  test('after a stream cut the last known exceptions stay in force while relisting fails, and recovery is logged', async () => {
    const r = await rig({ setup: (f) => f.create('shop', 'legacy-privileged', activeSpec()) });
    await r.fake.until(() => r.fake.openWatches === 1, 'watching');
    r.fake.mode = 'forbidden';
    r.fake.cutWatches();
    await r.fake.until(() => r.logs.some((l) => /403/.test(l)), 'the 403 logged');
    assert.ok(r.logs.some((l) => /the stream broke.*the last known cluster exceptions stay in force/.test(l)), r.logs.join('\n'));
    assert.ok(r.logs.some((l) => /403: complianceexceptions\.kubecomply\.io is forbidden.*needs get, list and watch/.test(l)));
    assert.equal((await r.review('legacy-app')).allowed, true, 'still in force');
    assert.equal(r.source.isSynced, false);
    r.fake.mode = 'ok';
    await r.fake.until(() => r.source.isSynced, 'in sync again');
    assert.ok(r.logs.some((l) => /in sync again after \d+ failed attempts?: 1 in the cluster/.test(l)));
    const m = await r.metrics();
    assert.equal(valueOf(m, 'kubecomply_exception_source_errors_total', { source: 'cluster', reason: 'stream' }), 1);
    assert.ok(valueOf(m, 'kubecomply_exception_source_errors_total', { source: 'cluster', reason: 'forbidden' }) >= 1);
  });

  test('/readyz waits for the first list (503 with the reason), then turns 200', async () => {
    const r = await rig({ gate: true, setup: (f) => (f.mode = 'hang') });
    const waiting = await request(r.s.port, r.s.ca, { method: 'GET', path: '/readyz' });
    assert.equal(waiting.status, 503);
    assert.equal(waiting.body, 'not ready: waiting for the first list of ComplianceExceptions from the cluster\n');
    assert.equal((await request(r.s.port, r.s.ca, { method: 'GET', path: '/healthz' })).status, 200, 'alive meanwhile');
    r.fake.mode = 'ok';
    await r.source.whenSynced();
    assert.equal((await request(r.s.port, r.s.ca, { method: 'GET', path: '/readyz' })).status, 200);
  });

  test('an object from the API becomes a resource like a file document, named cluster:complianceexceptions/<ns>/<name>', () => {
    const res = clusterExceptionResource({ metadata: { name: 'x', namespace: 'shop', resourceVersion: '5' }, spec: {} });
    assert.equal(res.apiVersion, 'kubecomply.io/v1alpha1', 'defaulted when the item carries none');
    assert.equal(res.kind, 'ComplianceException');
    assert.equal(res.namespace, 'shop');
    assert.equal(res.origin.file, 'cluster:complianceexceptions/shop/x');
  });
});
