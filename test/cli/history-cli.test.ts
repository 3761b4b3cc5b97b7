/**
 * `kubecomply scan --store`, `history`, `diff` and `report` end to end, as separate processes, on SQLite
 * (a file in a temp directory) and a real PostgreSQL server, through the built CLI.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { loadScan, scanSummaryHash } from '../../src/store/scans.js';
import { startPostgres } from '../helpers/postgres.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';



const data = tempDir('kubecomply-histcli-');

function kc(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: { KUBECOMPLY_STORE: '', KUBECOMPLY_EVIDENCE_KEY: '', KUBECOMPLY_DATA_DIR: data, NO_COLOR: '1', KUBECOMPLY_WORKERS: '0', ...env } });
}

/** Asserts the exit code, showing the output when it differs. */
function expectCode(r: CliResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit code ${code}, got ${r.code}\nstdout:\n${r.stdout.slice(0, 3000)}\nstderr:\n${r.stderr.slice(0, 3000)}`);
}

const json = <T = Record<string, unknown>>(r: CliResult): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message}):\n${r.stdout.slice(0, 2000)}\nstderr:\n${r.stderr.slice(0, 2000)}`);
  }
};

const NETPOL = (port: number): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - ports:
    - port: ${port}
`;
const ROLE = (verbs: string): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [${verbs}]
`;
const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: restricted}
`;
const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers:
  - name: c
    image: busybox:1.36
    securityContext: {privileged: true}
`;
const ADMIN_BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dev-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: dev@example.com, apiGroup: rbac.authorization.k8s.io}
`;

// Two different inputs: the second drops the privileged pod, adds a cluster-admin binding, opens another
// port in the NetworkPolicy and widens the Role.
const dirA = writeTree(path.join(data, 'release-1'), { 'ns.yaml': NAMESPACE, 'netpol.yaml': NETPOL(8080), 'rbac.yaml': ROLE('get'), 'pod.yaml': PRIVILEGED_POD });
const dirB = writeTree(path.join(data, 'release-2'), { 'ns.yaml': NAMESPACE, 'netpol.yaml': NETPOL(9090), 'rbac.yaml': ROLE('get, list, delete'), 'admin.yaml': ADMIN_BINDING });

interface DiffJson {
  from: { id: number };
  to: { id: number };
  findings: { new: Finding[]; resolved: Finding[]; open: Finding[] };
  regressions: number;
  objects: { category: string; key: string; change: string; fields?: { path: string; before?: unknown; after?: unknown }[] }[];
}
interface Finding {
  control: string;
  status: string;
  resource: { kind: string; namespace?: string; name: string };
}

const has = (list: Finding[], control: string, kind: string, name: string): boolean => list.some((f) => f.control === control && f.resource.kind === kind && f.resource.name === name);

/** The checks every backend must pass on a diff of release-1 → release-2. */
function checkDiff(d: DiffJson): void {
  assert.ok(has(d.findings.new, 'rbac-cluster-admin-binding', 'ClusterRoleBinding', 'dev-admin'), `new findings must include the cluster-admin binding; got ${JSON.stringify(d.findings.new.map((f) => f.control))}`);
  assert.ok(has(d.findings.resolved, 'pss-privileged', 'Pod', 'debug'), `resolved findings must include the privileged pod; got ${JSON.stringify(d.findings.resolved.map((f) => f.control))}`);
  assert.ok(!has(d.findings.open, 'pss-privileged', 'Pod', 'debug'));
  assert.ok(d.regressions >= 1);
  const obj = Object.fromEntries(d.objects.map((o) => [o.key, o]));
  assert.deepEqual(obj['networking.k8s.io/NetworkPolicy/shop/web-ingress']?.fields, [{ path: 'spec.ingress[0].ports[0].port', before: 8080, after: 9090 }]);
  assert.equal(obj['rbac.authorization.k8s.io/Role/shop/reader']?.change, 'changed');
  assert.deepEqual(obj['rbac.authorization.k8s.io/Role/shop/reader']?.fields?.map((f) => f.after), ['list', 'delete']);
  assert.equal(obj['rbac.authorization.k8s.io/ClusterRoleBinding//dev-admin']?.change, 'added');
  assert.equal(obj['core/Namespace//shop'], undefined, 'the Namespace did not change');
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('scan --store, history, diff, report (SQLite)', () => {
  const db = path.join(data, 'history.db');
  const store = ['--store', db];

  test('diff and report on an empty store are usage errors that say what to do', async () => {
    const d = await kc(['diff', ...store]);
    expectCode(d, 2, 'diff on an empty store');
    assert.match(d.stderr, /diff needs two recorded scans; the store holds 0/);
    const r = await kc(['report', '--framework', 'cis', ...store]);
    expectCode(r, 2, 'report on an empty store');
    assert.match(r.stderr, /holds 0 recorded scans/);
    const h = await kc(['history', ...store]);
    expectCode(h, 0, 'history on an empty store');
    assert.match(h.stdout, /no recorded scans/);
  });

  test('two scans of different inputs are recorded, each with an evidence record', async () => {
    const a = await kc(['scan', dirA, '--fail-on', 'none', `--store=${db}`]);
    expectCode(a, 0, 'scan release-1 --store');
    assert.match(a.stderr, /recorded scan 1 in .*history\.db \(summary [0-9a-f]{16}…, evidence record 1:[0-9a-f]{16}…\)/);
    const b = await kc(['scan', dirB, '--fail-on', 'none', ...store]);
    expectCode(b, 0, 'scan release-2 --store');
    assert.match(b.stderr, /recorded scan 2 in /);
    // A scan that fails its gate is recorded too, and keeps its exit code.
    const c = await kc(['scan', dirB, '-q', '--fail-on', 'high', ...store]);
    expectCode(c, 1, 'scan release-2 --fail-on high --store');
    const s = await openStore(db);
    try {
      const ev = await s.listEvidence({ kind: 'scan-summary' });
      assert.deepEqual(ev.map((r) => (r.payload as { scanId: number }).scanId), [1, 2, 3]);
      const scans = await s.listScans();
      assert.deepEqual(scans.map((x) => x.evidence?.seq), [1, 2, 3]);
      assert.deepEqual(scans.map((x) => x.summaryHash), ev.map((r) => (r.payload as { summaryHash: string }).summaryHash));
    } finally {
      await s.close();
    }
  });

  test('history lists the scans with inputs, their hashes, counts and scores (table and JSON)', async () => {
    const t = await kc(['history', ...store]);
    expectCode(t, 0, 'history');
    const lines = t.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ID\s+TIME\s+INPUTS\s+RESOURCES\s+FINDINGS\s+EXCEPTED\s+SCORES$/);
    assert.equal(lines.length, 4, t.stdout);
    assert.match(lines[1], /^1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+.*release-1@[0-9a-f]{8}\s+4\s+\d+\s+0\s+cis \d+%, nsa-cisa/);
    assert.match(lines[2], /^2\s+.*release-2@[0-9a-f]{8}\s+4\s/);

    const j = json<{ scans: { id: number; inputs: { path: string; sha256: string; files: number }[]; counts: { findings: number }; scores: { framework: string; score: number | null }[] }[] }>(
      await kc(['history', ...store, '-o', 'json', '--framework', 'cis,pci-dss']),
    );
    assert.deepEqual(j.scans.map((s) => s.id), [1, 2, 3]);
    const files = ['netpol.yaml', 'ns.yaml', 'pod.yaml', 'rbac.yaml'];
    const expected = sha256(files.map((f) => `${f}\0${sha256(readFileSync(path.join(dirA, f)))}\n`).join(''));
    assert.equal(j.scans[0].inputs[0].sha256, expected);
    assert.equal(j.scans[0].inputs[0].files, 4);
    assert.deepEqual(j.scans[0].scores.map((s) => s.framework), ['cis', 'pci-dss']);
    assert.ok(j.scans.every((s) => s.counts.findings > 0));

    const limited = json<{ scans: { id: number }[] }>(await kc(['history', ...store, '-o', 'json', '--limit', '1']));
    assert.deepEqual(limited.scans.map((s) => s.id), [3]);
    const bad = await kc(['history', ...store, '--framework', 'pci']);
    expectCode(bad, 2, 'history --framework pci');
    assert.match(bad.stderr, /unknown framework "pci" \(did you mean "pci-dss"\?\)/);
  });

  test('diff shows new, resolved and still-open findings and the changed NetworkPolicy and RBAC', async () => {
    const r = await kc(['diff', '1', '2', ...store, '-o', 'json']);
    expectCode(r, 1, 'diff 1 2 (a new failing finding)');
    const d = json<DiffJson>(r);
    assert.deepEqual([d.from.id, d.to.id], [1, 2]);
    checkDiff(d);

    const t = await kc(['diff', '1', '2', ...store]);
    expectCode(t, 1, 'diff 1 2 table');
    assert.match(t.stdout, /^scan 1 \(.*\) → scan 2 \(.*\)$/m);
    assert.match(t.stdout, /NEW FINDINGS\n(.*\n)*  \+ CRITICAL rbac-cluster-admin-binding  ClusterRoleBinding\/dev-admin/);
    assert.match(t.stdout, /RESOLVED FINDINGS\n(.*\n)*  - \w+\s+pss-privileged  Pod\/shop\/debug/);
    assert.match(t.stdout, /~ changed  NetworkPolicy\s+NetworkPolicy\/shop\/web-ingress\n      spec\.ingress\[0\]\.ports\[0\]\.port: 8080 → 9090/);
    assert.match(t.stdout, /\+ added    RBAC\s+ClusterRoleBinding\/dev-admin/);
    assert.match(t.stdout, /~ changed  RBAC\s+Role\/shop\/reader/);
  });

  test('diff defaults to the last two scans; exit codes follow --help', async () => {
    const last = await kc(['diff', ...store, '-o', 'json']);
    expectCode(last, 0, 'diff (scans 2 and 3: the same input)');
    const d = json<DiffJson>(last);
    assert.deepEqual([d.from.id, d.to.id, d.findings.new.length, d.findings.resolved.length, d.objects.length], [2, 3, 0, 0, 0]);
    assert.ok(d.findings.open.length > 0);

    expectCode(await kc(['diff', '2', '3', ...store, '--fail-on-change']), 0, 'diff 2 3 --fail-on-change (nothing changed)');
    expectCode(await kc(['diff', 'latest~2', 'latest~1', ...store, '--fail-on-change', '-o', 'json']), 1, 'diff latest~2 latest~1 --fail-on-change');
    // Going back from release-2 to release-1 brings the privileged pod back: a regression.
    const back = await kc(['diff', '3', '1', ...store, '-o', 'json']);
    expectCode(back, 1, 'diff 3 1');
    assert.ok(has(json<DiffJson>(back).findings.new, 'pss-privileged', 'Pod', 'debug'));

    const missing = await kc(['diff', '1', '99', ...store]);
    expectCode(missing, 2, 'diff 1 99');
    assert.match(missing.stderr, /no recorded scan 99 in the store/);
    expectCode(await kc(['diff', 'one', ...store]), 2, 'diff one');
    const help = await kc(['diff', '--help']);
    expectCode(help, 0, 'diff --help');
    assert.match(help.stdout, /Exit codes:\n  0 .*\n  1 .*\n(.*\n)*  2 /);
  });

  test('report --min-score: 0 at or above the threshold, 1 below it, 2 for a bad threshold', async () => {
    const j = await kc(['report', '--framework', 'cis', '--format', 'json', ...store]);
    expectCode(j, 0, 'report --framework cis (no threshold)');
    const rep = json<{ scan: { id: number }; score: number; requirements: { id: string; status: string; findings: unknown[]; resources: string[] }[]; checklist: { id: string }[]; trend: { scanId: number }[]; evidence: { summaryVerified: boolean; scanRecord: { seq: number; hash: string }; chainHead: { seq: number } } }>(j);
    assert.equal(rep.scan.id, 3, 'the latest recorded scan');
    assert.equal(typeof rep.score, 'number');
    assert.ok(rep.score < 100, `the fixture must score below 100 so that --min-score score+1 is a valid threshold (got ${rep.score})`);
    assert.deepEqual(rep.trend.map((t) => t.scanId), [1, 2, 3]);
    assert.equal(rep.evidence.summaryVerified, true);
    assert.equal(rep.evidence.scanRecord.seq, 3);
    assert.equal(rep.evidence.chainHead.seq, 3);
    assert.ok(rep.checklist.length > 0, 'CIS has manual requirements');
    const failing = rep.requirements.filter((q) => q.status === 'fail');
    assert.ok(failing.length > 0 && failing.every((q) => q.findings.length > 0 && q.resources.length > 0));

    const at = await kc(['report', '--framework', 'cis', '--min-score', String(rep.score), ...store]);
    expectCode(at, 0, `report --min-score ${rep.score} (equal to the score)`);
    const below = await kc(['report', '--framework', 'cis', '--min-score', String(rep.score + 1), ...store]);
    expectCode(below, 1, `report --min-score ${rep.score + 1}`);
    assert.match(below.stderr, new RegExp(`fail: CIS Kubernetes Benchmark scores ${rep.score}%, below --min-score ${rep.score + 1}`));
    assert.match(below.stdout, /^# CIS Kubernetes Benchmark — posture report/, 'the report is still written');
    assert.match(below.stdout, /Threshold: \d+% — \*\*NOT met\*\*/);
    expectCode(await kc(['report', '--framework', 'cis', '--min-score', '101', ...store]), 2, 'report --min-score 101');
    expectCode(await kc(['report', '--framework', 'nope', ...store]), 2, 'report --framework nope');
  });

  test('report: Markdown sections, --scan, and the same score as scanning the inputs directly', async () => {
    const md = await kc(['report', '--framework', 'pci-dss', '--scan', '1', ...store]);
    expectCode(md, 0, 'report --framework pci-dss --scan 1');
    for (const h of ['## Overall score: ', '## Trend', '## Requirements', '## Findings behind the requirements', '## Exceptions in force', '## Manual requirements checklist', '## Evidence']) {
      assert.ok(md.stdout.includes(h), `the Markdown report must have "${h}"`);
    }
    assert.match(md.stdout, /^- \[ \] \*\*/m, 'manual requirements as a checklist');
    assert.match(md.stdout, /- \*\*Scan:\*\* #1 at /);
    assert.match(md.stdout, /Pod\/shop\/debug/);

    const stored = json<{ score: number }>(await kc(['report', '--framework', 'pci-dss', '--scan', '2', '--format', 'json', ...store]));
    const direct = await kc(['report', dirB, '--framework', 'pci-dss', '--format', 'json']);
    expectCode(direct, 0, 'report <path> --framework pci-dss');
    const dj = json<{ score: number; scan: { id: number | null }; evidence: { summaryVerified: boolean | null } }>(direct);
    const scanned = json<{ frameworks: { id: string; score: number }[] }>(await kc(['scan', dirB, '--framework', 'pci-dss', '-f', 'json', '--fail-on', 'none']));
    assert.equal(dj.scan.id, null);
    assert.equal(dj.evidence.summaryVerified, null);
    assert.equal(dj.score, scanned.frameworks[0].score, 'report and scan --framework agree');
    assert.equal(stored.score, dj.score, 'a recorded scan reports the score the engine gave at scan time');
  });

  test('report --record appends a "report-issued" evidence record with the report\'s SHA-256', async () => {
    const out = path.join(data, 'cis-2.md');
    const r = await kc(['report', '--framework', 'cis', '--scan', '2', '--record', '-o', out, ...store]);
    expectCode(r, 0, 'report --record');
    assert.match(r.stderr, /recorded report-issued evidence record 4:[0-9a-f]{16}…/);
    const s = await openStore(db);
    try {
      const [ev] = await s.listEvidence({ kind: 'report-issued' });
      const p = ev.payload as { framework: string; scanId: number; sha256: string; scanSummaryHash: string };
      assert.deepEqual([ev.seq, p.framework, p.scanId], [4, 'cis', 2]);
      assert.equal(p.sha256, sha256(readFileSync(out)));
      assert.equal(p.scanSummaryHash, (await s.getScan(2))?.summaryHash);
    } finally {
      await s.close();
    }
  });

  test('a stored finding altered behind kubecomply\'s back makes report fail', async () => {
    const raw = new Database(db);
    try {
      raw.prepare(`UPDATE scan_finding SET message = 'nothing to see' WHERE scan_id = 3 AND rowid = (SELECT MIN(rowid) FROM scan_finding WHERE scan_id = 3)`).run();
    } finally {
      raw.close();
    }
    const r = await kc(['report', '--framework', 'cis', ...store]);
    expectCode(r, 2, 'report on an altered scan');
    assert.match(r.stderr, /scan 3: the stored findings or objects no longer match the summary hash/);
    assert.match(r.stdout, /MISMATCH: the stored scan rows were altered/);
  });

  test('rewriting the row\'s summary hash to match the altered rows does not help: the evidence record still carries the old one', async () => {
    const s = await openStore(db);
    let forged: string;
    try {
      const loaded = (await loadScan(s, 3))!;
      forged = scanSummaryHash(loaded.scan, loaded.findings, loaded.objects);
    } finally {
      await s.close();
    }
    const raw = new Database(db);
    try {
      raw.prepare('UPDATE scan SET summary_hash = ? WHERE id = 3').run(forged);
    } finally {
      raw.close();
    }
    const r = await kc(['report', '--framework', 'cis', ...store]);
    expectCode(r, 2, 'report on a scan whose summary hash was rewritten');
    assert.match(r.stderr, /scan 3: the stored findings or objects no longer match the summary hash its evidence record carries/);
  });
});

describe('the default store', () => {
  test('a bare --store records in $KUBECOMPLY_DATA_DIR/kubecomply.db, where history and report look by default', async () => {
    const home = path.join(data, 'default-home');
    const env = { KUBECOMPLY_DATA_DIR: home };
    const r = await kc(['scan', dirA, '--fail-on', 'none', '--store'], env);
    expectCode(r, 0, 'scan --store (bare)');
    assert.match(r.stderr, new RegExp(`recorded scan 1 in ${path.join(home, 'kubecomply.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `));
    const h = json<{ scans: { id: number }[] }>(await kc(['history', '-o', 'json'], env));
    assert.deepEqual(h.scans.map((s) => s.id), [1]);
    expectCode(await kc(['report', '--framework', 'cis', '--min-score', '0'], env), 0, 'report from the default store');
  });
});

describe('scan --store, history, diff (PostgreSQL)', () => {
  test('the same flow on a PostgreSQL store', async () => {
    const pgServer = await startPostgres();
    const url = await pgServer.createDatabase();
    expectCode(await kc(['scan', dirA, '--fail-on', 'none', '-q', '--store', url]), 0, 'scan release-1 --store postgres');
    const b = await kc(['scan', dirB, '--fail-on', 'none', '--store', url]);
    expectCode(b, 0, 'scan release-2 --store postgres');
    assert.match(b.stderr, /recorded scan 2 in postgres:\/\//);
    const h = json<{ scans: { id: number }[] }>(await kc(['history', '--store', url, '-o', 'json']));
    assert.deepEqual(h.scans.map((s) => s.id), [1, 2]);
    const d = await kc(['diff', '--store', url, '-o', 'json']);
    expectCode(d, 1, 'diff on postgres');
    checkDiff(json<DiffJson>(d));
    const r = json<{ scan: { id: number }; evidence: { summaryVerified: boolean } }>(await kc(['report', '--framework', 'nsa-cisa', '--format', 'json', '--store', url]));
    assert.deepEqual([r.scan.id, r.evidence.summaryVerified], [2, true]);
  });
});
