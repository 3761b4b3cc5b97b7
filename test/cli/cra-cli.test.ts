/**
 * `kubecomply cra …` end to end: the examples/cra/README.md walkthrough on the example product, with a temp SQLite
 * store, a temp vulnerability index holding one OSV record for the bundled runc, and KUBECOMPLY_NOW.
 *
 * Runs the built CLI (npm run build first).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkCsafVexProfile, parseVex } from '../../src/cra/vex.js';
import { validateCsaf, validateCycloneDx16, validateOpenVex } from '../cra/fixtures.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const EXAMPLE = path.resolve('examples/cra/product.yaml');
const work = tempDir('kubecomply-cra-cli-');
const STORE = path.join(work, 'kubecomply.db');
const BASE_ENV = { KUBECOMPLY_STORE: STORE, KUBECOMPLY_DATA_DIR: path.join(work, 'data'), KUBECOMPLY_EVIDENCE_KEY: '', KUBECOMPLY_CACHE_DIR: path.join(work, 'cache') };

/** An OSV record naming the runc the container-runtime layer bundles (v1.2.5) in an affected range. */
const OSV = {
  schema_version: '1.6.0',
  id: 'GO-2025-4099',
  aliases: ['CVE-2025-31133', 'GHSA-9493-h29p-rfm2'],
  modified: '2025-11-06T00:00:00Z',
  published: '2025-11-05T00:00:00Z',
  summary: 'runc container escape via masked path abuse (test record)',
  database_specific: { severity: 'HIGH' },
  affected: [{ package: { ecosystem: 'Go', name: 'github.com/opencontainers/runc' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { fixed: '1.2.8' }] }] }],
  references: [{ type: 'ADVISORY', url: 'https://github.com/opencontainers/runc/security/advisories/GHSA-9493-h29p-rfm2' }],
};
writeTree(work, { 'osv/GO-2025-4099.json': JSON.stringify(OSV, null, 2) });
const DB = path.join(work, 'vuln.db');

function kc(args: string[], now: string, extra: Record<string, string> = {}): Promise<CliResult> {
  const env = { ...BASE_ENV, KUBECOMPLY_NOW: now, ...extra };
  return runCli(args, { env });
}

const ok = (r: CliResult, what: string): void => assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);

describe('kubecomply cra: the examples/cra walkthrough', () => {
  test('classify, product SBOM, case from a scan, exploited, deadlines, draft, VEX, evidence verify', async () => {
    // 1. classify
    let r = await kc(['cra', 'classify', EXAMPLE], '2026-12-01T09:00:00Z');
    ok(r, 'classify');
    assert.match(r.stdout, /containerd\s+container-runtime\s+important-II\s+Annex III II\.1/);
    assert.match(r.stdout, /calico .*important-II: NetworkPolicy enforcement/);
    assert.match(r.stdout, /route \(important-II\): Art\. 32\(3\): .*self-assessment is not available\. \[C: Article 32 read from/);
    r = await kc(['cra', 'classify', EXAMPLE, '--format', 'json'], '2026-12-01T09:00:00Z');
    ok(r, 'classify json');
    const cls = JSON.parse(r.stdout) as { highest: string; components: { component: string; suggested: { uncertain: boolean } }[] };
    assert.equal(cls.highest, 'important-II');
    assert.equal(cls.components.find((c) => c.component === 'kubernetes')!.suggested.uncertain, true);

    // 2. product SBOM
    const sbomFile = path.join(work, 'product.cdx.json');
    r = await kc(['cra', 'sbom', EXAMPLE, '-o', sbomFile], '2026-12-01T09:00:00Z');
    ok(r, 'sbom');
    const sbom = JSON.parse(readFileSync(sbomFile, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(validateCycloneDx16(sbom), []);
    assert.match(readFileSync(sbomFile, 'utf8'), /pkg:golang\/github\.com\/opencontainers\/runc@v1\.2\.5/);

    // 3. the vulnerability index, and cases from a scan (once: the second run finds it open)
    r = await runCli(['vuln', 'db', 'import', path.join(work, 'osv'), '--db', DB], { env: BASE_ENV });
    ok(r, 'vuln db import');
    r = await kc(['cra', 'case', 'open', '-p', EXAMPLE, '--from-scan', '--db', DB], '2026-12-01T09:00:00Z');
    ok(r, 'case open');
    assert.match(r.stdout, /opened CASE-0001: GO-2025-4099 .* in github\.com\/opencontainers\/runc v1\.2\.5 \[container-runtime\], severity high/);
    r = await kc(['cra', 'case', 'open', '-p', EXAMPLE, '--from-scan', '--db', DB], '2026-12-01T09:05:00Z');
    ok(r, 'case open again');
    assert.match(r.stdout, /already open: CASE-0001/);
    r = await kc(['cra', 'case', 'open', '-p', EXAMPLE, '--osv', path.join(work, 'osv/GO-2025-4099.json')], '2026-12-01T09:06:00Z');
    ok(r, 'case open --osv');
    assert.match(r.stdout, /0 cases opened, 1 already open/);
    r = await kc(['cra', 'case', 'open', '-p', EXAMPLE, '--manual', '--id', 'CVE-2026-0001', '--component', 'headlamp', '--summary', 'reported by a researcher'], '2026-12-01T09:07:00Z');
    ok(r, 'case open --manual');
    assert.match(r.stdout, /opened CASE-0002: CVE-2026-0001 in headlamp 0\.28\.1 \[management-ui\]/);

    // 4. no clocks yet: cases exits 0
    r = await kc(['cra', 'cases'], '2026-12-01T09:30:00Z');
    ok(r, 'cases before exploited');

    // 5. triage, then mark exploited: the three Art. 14(2) deadlines
    r = await kc(['cra', 'case', 'triage', 'CASE-0001', '--state', 'affected', '--reason', 'runc v1.2.5 is in the affected range', '--by', 'alice@acme.example', '--action', 'Restrict pod creation to trusted users until 2.3.1 ships.'], '2026-12-01T09:40:00Z');
    ok(r, 'triage');
    assert.match(r.stdout, /CASE-0001: new → affected/);
    r = await kc(['cra', 'case', 'triage', 'CASE-0002', '--state', 'not_affected', '--reason', 'no', '--by', 'bob'], '2026-12-01T09:41:00Z');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a justification/);
    r = await kc(['cra', 'case', 'triage', 'CASE-0002', '--state', 'not_affected', '--justification', 'vulnerable_code_not_in_execute_path', '--reason', 'the plugin is not shipped', '--by', 'bob@acme.example'], '2026-12-01T09:42:00Z');
    ok(r, 'triage not_affected');
    r = await kc(['cra', 'case', 'exploited', 'CASE-0001', '--by', 'alice@acme.example', '--reason', 'exploitation reported by a customer', '--at', '2026-12-01T10:00:00Z'], '2026-12-01T10:05:00Z');
    ok(r, 'exploited');

    r = await kc(['cra', 'cases', '--format', 'json'], '2026-12-01T11:00:00Z');
    ok(r, 'cases json');
    const ov = JSON.parse(r.stdout) as { overdue: boolean; cases: { id: string; timeLeft: string | null; deadlines: { stage: string; article: string; due?: string; pending?: string }[] }[] };
    assert.equal(ov.overdue, false);
    const c1 = ov.cases.find((c) => c.id === 'CASE-0001')!;
    assert.deepEqual(
      c1.deadlines.map((d) => [d.stage, d.article, d.due ?? null]),
      [
        ['early_warning', 'Art. 14(2)(a)', '2026-12-02T10:00:00.000Z'],
        ['notification', 'Art. 14(2)(b)', '2026-12-04T10:00:00.000Z'],
        ['final_report', 'Art. 14(2)(c)', null],
      ],
    );
    assert.match(c1.deadlines[2]!.pending!, /corrective or mitigating measure/);
    assert.equal(c1.timeLeft, '23:00:00');
    r = await kc(['cra', 'cases'], '2026-12-01T11:00:00Z');
    ok(r, 'cases table');
    assert.match(r.stdout, /CASE-0001\s+affected\s+GO-2025-4099\s+github\.com\/opencontainers\/runc\s+vulnerability early_warning 2026-12-02T10:00:00\.000Z\s+23:00:00/);
    // A day and a half later the early warning is overdue: exit 1.
    r = await kc(['cra', 'cases'], '2026-12-02T22:00:00Z');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /OVERDUE/);

    // 6. draft the early warning
    r = await kc(['cra', 'draft', 'CASE-0001', '--stage', 'early-warning', '-p', EXAMPLE], '2026-12-01T11:00:00Z');
    ok(r, 'draft');
    assert.match(r.stdout, /Early warning/);
    assert.match(r.stdout, /Art\. 14\(2\)\(a\)/);
    assert.match(r.stdout, /DE, AT, NL, FR/);
    r = await kc(['cra', 'draft', 'CASE-0001', '--stage', 'notification', '-p', EXAMPLE, '--format', 'json'], '2026-12-01T11:00:00Z');
    ok(r, 'draft json');
    assert.equal((JSON.parse(r.stdout) as { due: string }).due, '2026-12-04T10:00:00.000Z');
    r = await kc(['cra', 'draft', 'CASE-0002', '--stage', 'early-warning', '-p', EXAMPLE], '2026-12-01T11:00:00Z');
    assert.equal(r.code, 2);

    // 7. VEX export in all three formats, validated against the official schemas; import reads them back
    const vex: Record<string, Record<string, unknown>> = {};
    for (const f of ['openvex', 'cyclonedx', 'csaf']) {
      const out = path.join(work, `vex.${f}.json`);
      r = await kc(['cra', 'vex', 'export', '-p', EXAMPLE, '--format', f, '-o', out], '2026-12-01T11:00:00Z');
      ok(r, `vex export ${f}`);
      vex[f] = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      assert.equal(parseVex(vex[f]).length, 2, f);
    }
    assert.deepEqual(validateOpenVex(vex.openvex), []);
    assert.deepEqual(validateCycloneDx16(vex.cyclonedx), []);
    assert.deepEqual(validateCsaf(vex.csaf), []);
    assert.deepEqual(checkCsafVexProfile(vex.csaf!), []);
    const st = parseVex(vex.openvex);
    assert.deepEqual(st.map((s) => s.status).sort(), ['affected', 'not_affected']);
    r = await kc(['cra', 'vex', 'import', path.join(work, 'vex.openvex.json'), '--dry-run'], '2026-12-01T11:00:00Z');
    ok(r, 'vex import');
    assert.match(r.stdout, /CASE-0001: suggests affected/);

    // A second store: the same scan (from the SBOM written in step 2), then the exported VEX pre-triages the new case.
    const other = { KUBECOMPLY_STORE: path.join(work, 'other.db') };
    r = await kc(['cra', 'case', 'open', '-p', EXAMPLE, '--from-scan', '--db', DB, '--sbom', sbomFile], '2026-12-01T12:00:00Z', other);
    ok(r, 'case open --sbom');
    assert.match(r.stdout, /opened CASE-0001: GO-2025-4099 .* \[container-runtime\]/);
    r = await kc(['cra', 'vex', 'import', path.join(work, 'vex.openvex.json'), '--by', 'bob@acme.example'], '2026-12-01T12:05:00Z', other);
    ok(r, 'vex import (apply)');
    assert.match(r.stdout, /CASE-0001: new → affected/);

    // 8. every case change is in the evidence log, and the chain verifies
    r = await runCli(['evidence', 'list', '--kind', 'case-transition', '--format', 'json'], { env: BASE_ENV });
    ok(r, 'evidence list');
    const recs = JSON.parse(r.stdout) as { payload: { caseId: string; event: { type: string } } }[];
    assert.deepEqual(
      recs.map((x) => `${x.payload.caseId}:${x.payload.event.type}`),
      ['CASE-0001:opened', 'CASE-0002:opened', 'CASE-0001:transition', 'CASE-0002:transition', 'CASE-0001:exploited'],
    );
    r = await runCli(['evidence', 'verify'], { env: BASE_ENV });
    ok(r, 'evidence verify');
    assert.match(r.stdout, /evidence intact: 5 records/);

    // 9. the Annex VII outline, with the security architecture measured by a scan of a small platform
    const platform = path.join(work, 'platform');
    writeTree(platform, {
      'ns.yaml': [
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n',
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n',
        // No policyTypes and an empty egress list: the API server makes it an Ingress policy only.
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: batch\n',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: batch\nspec:\n  podSelector: {}\n  egress: []\n',
        'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: kubecomply\nwebhooks:\n  - name: guard.kubecomply.io\n    failurePolicy: Fail\n    sideEffects: None\n    admissionReviewVersions: [v1]\n    clientConfig: { service: { name: kubecomply, namespace: kubecomply } }\n',
      ].join('---\n'),
    });
    r = await kc(['cra', 'docs', EXAMPLE, '--scan', platform, '--format', 'md'], '2026-12-01T13:00:00Z');
    ok(r, 'cra docs');
    const md = r.stdout;
    for (const point of ['1', '2(a)', '2(b)', '2(c)', '3', '4', '5', '6', '7', '8']) assert.match(md, new RegExp(`### Point ${point.replace(/[()]/g, '\\$&')}: `), `Annex VII point ${point}`);
    assert.match(md, /\| shop \| restricted \| - \| - \| yes \| yes \|/);
    assert.match(md, /\| legacy \| not set \| - \| - \| no \| no \|/);
    assert.match(md, /\| batch \| not set \| - \| - \| yes \| no \|/);
    assert.match(md, /\| ValidatingWebhookConfiguration \| kubecomply \| Fail \|/);
    assert.match(md, /2 cases, 2 open, 1 marked actively exploited/);
    assert.match(md, /Support period end as declared: 2031-12/);
    assert.match(md, /Still to write:\n\n- A copy of the EU declaration of conformity\./);
    const html = path.join(work, 'docs.html');
    r = await kc(['cra', 'docs', EXAMPLE, '--scan', platform, '--format', 'html', '-o', html], '2026-12-01T13:00:00Z');
    ok(r, 'cra docs --format html');
    assert.match(r.stderr, /items still to write by hand/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<h3>Point 2\(b\): Vulnerability handling<\/h3>/);
    assert.doesNotMatch(page, /<(script|link|img)\b|src=|href=/i, 'self-contained: no scripts, stylesheets or images to fetch');
  });

  test('cra docs --scan honours kubecomply.yaml as kubecomply scan does: disabled controls left out', async () => {
    const cfg = path.join(work, 'docs-kubecomply.yaml');
    writeFileSync(cfg, 'apiVersion: kubecomply.io/v1\nkind: Config\ncontrols:\n  disabled: [namespace-default-deny-ingress]\n');
    const network = async (args: string[]): Promise<number> => {
      const r = await kc(['cra', 'docs', EXAMPLE, '--scan', 'examples/platform', '--format', 'json', ...args], '2026-12-01T13:00:00Z');
      ok(r, `cra docs ${args.join(' ')}`);
      return (JSON.parse(r.stdout) as { architecture: { families: { family: string; controls: number }[] } }).architecture.families.find((f) => f.family === 'network')!.controls;
    };
    assert.equal(await network(['--config', cfg]), (await network([])) - 1);
  });

  test('usage errors exit 2', async () => {
    let r = await kc(['cra', 'case', 'open', '-p', EXAMPLE], '2026-12-01T09:00:00Z');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /exactly one of --from-scan/);
    r = await kc(['cra', 'classify', path.join(work, 'missing.yaml')], '2026-12-01T09:00:00Z');
    assert.equal(r.code, 2);
    r = await kc(['cra', 'case', 'exploited', 'CASE-9999', '--by', 'x', '--store', path.join(work, 'other.db')], '2026-12-01T09:00:00Z');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no case CASE-9999/);
  });
});

describe('kubecomply cra on PostgreSQL (--store postgres://…)', () => {
  test('open, mark exploited, list with deadlines, evidence verify', async () => {
    const pgServer = await startPostgres();
    const url = await pgServer.createDatabase();
    const env = { KUBECOMPLY_STORE: '', KUBECOMPLY_DATA_DIR: path.join(work, 'pgdata') };
    let r = await kc(['cra', 'case', 'open', '-p', EXAMPLE, '--manual', '--id', 'CVE-2026-0002', '--component', 'containerd', '--store', url], '2026-12-01T09:00:00Z', env);
    ok(r, 'open');
    assert.match(r.stdout, /opened CASE-0001: CVE-2026-0002 in containerd 1\.7\.27 \[container-runtime\]/);
    r = await kc(['cra', 'case', 'exploited', 'CASE-0001', '--by', 'alice@acme.example', '--store', url], '2026-12-01T09:30:00Z', env);
    ok(r, 'exploited');
    r = await kc(['cra', 'cases', '--format', 'json', '--store', url], '2026-12-01T10:30:00Z', env);
    ok(r, 'cases');
    const doc = JSON.parse(r.stdout) as { cases: { id: string; next: { due: string } }[] };
    assert.equal(doc.cases[0]!.next.due, '2026-12-02T09:30:00.000Z');
    r = await kc(['cra', 'cases', '--store', url], '2026-12-05T10:30:00Z', env);
    assert.equal(r.code, 1);
    r = await runCli(['evidence', 'verify', '--store', url], { env });
    ok(r, 'evidence verify');
    assert.match(r.stdout, /evidence intact: 2 records/);
  });
});

describe('kubecomply cra notify (a real webhook receiver)', () => {
  test('started, reminder, overdue — each once; a failed delivery is retried by the next run; every delivery is evidence', async () => {
    const dir = tempDir('kubecomply-cra-notify-');
    const env = { ...BASE_ENV, KUBECOMPLY_STORE: path.join(dir, 'n.db'), KUBECOMPLY_DATA_DIR: path.join(dir, 'data') };
    const got: { body: Record<string, unknown>; auth?: string }[] = [];
    let status = 200;
    const srv = createServer((req, res) => {
      let b = '';
      req.on('data', (x: Buffer) => (b += x));
      req.on('end', () => {
        got.push({ body: JSON.parse(b) as Record<string, unknown>, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/services/T000/B000/secret`;
    const run = (now: string, ...extra: string[]) => runCli(['cra', 'notify', '--webhook', hook, '-p', EXAMPLE, '--timeout', '5s', ...extra], { env: { ...env, KUBECOMPLY_NOW: now } });
    try {
      let r = await runCli(['cra', 'case', 'open', '-p', EXAMPLE, '--manual', '--id', 'CVE-2026-0002', '--component', 'containerd'], { env: { ...env, KUBECOMPLY_NOW: '2026-12-01T08:00:00Z' } });
      ok(r, 'open');
      r = await run('2026-12-01T08:30:00Z');
      ok(r, 'notify before any clock');
      assert.match(r.stdout, /nothing is due/);
      r = await runCli(['cra', 'case', 'exploited', 'CASE-0001', '--by', 'alice@acme.example'], { env: { ...env, KUBECOMPLY_NOW: '2026-12-01T09:00:00Z' } });
      ok(r, 'exploited');

      r = await run('2026-12-01T09:05:00Z', '--header', 'Authorization: Bearer s3cret');
      ok(r, 'notify: started');
      assert.match(r.stdout, /sent CASE-0001:vulnerability:clock-started: CRA reporting clock started for CASE-0001 \(CVE-2026-0002 in containerd, acme-platform 2\.3\.0\)/);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.auth, 'Bearer s3cret');
      assert.equal(got[0]!.body.kind, 'cra.clock-started');
      r = await run('2026-12-01T09:10:00Z');
      ok(r, 'notify again');
      assert.match(r.stdout, /nothing is due/);
      assert.equal(got.length, 1, 'sent once');

      r = await run('2026-12-02T07:30:00Z', '--dry-run');
      ok(r, 'dry run');
      assert.match(r.stdout, /would send CASE-0001:vulnerability:early_warning:reminder:120m/);
      assert.equal(got.length, 1, 'a dry run sends nothing');

      r = await run('2026-12-02T07:30:00Z', '--format', 'slack');
      ok(r, 'notify: reminder');
      assert.equal(got.length, 2);
      assert.match(String(got[1]!.body.text), /^CRA early warning \(Art\. 14\(2\)\(a\)\) for CASE-0001 .* due 2026-12-02T09:00:00\.000Z: 01:30:00 left/);
      assert.ok(Array.isArray(got[1]!.body.blocks), 'Slack message blocks');

      status = 500;
      r = await run('2026-12-02T09:30:00Z');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /could not deliver CASE-0001:vulnerability:early_warning:overdue to http:\/\/127\.0\.0\.1:\d+: HTTP 500 .*after 3 attempts; the next run retries/);
      assert.doesNotMatch(r.stderr, /secret/, 'the webhook path (a secret for Slack) is not printed');
      status = 200;
      r = await run('2026-12-02T09:45:00Z');
      ok(r, 'notify: overdue retried');
      assert.match(r.stdout, /sent CASE-0001:vulnerability:early_warning:overdue: CRA early warning .* is OVERDUE/);

      r = await runCli(['evidence', 'list', '--kind', 'cra-notification', '--format', 'json'], { env });
      ok(r, 'evidence list');
      const recs = JSON.parse(r.stdout) as { payload: { key?: string; skipped?: string[]; webhook?: string } }[];
      assert.deepEqual(recs.map((x) => x.payload.key ?? `skipped ${x.payload.skipped!.join(',')}`), [
        'CASE-0001:vulnerability:clock-started',
        'CASE-0001:vulnerability:early_warning:reminder:120m',
        'skipped CASE-0001:vulnerability:early_warning:reminder:720m',
        'CASE-0001:vulnerability:early_warning:overdue',
      ]);
      assert.ok(recs.every((x) => !JSON.stringify(x).includes('secret')));
      r = await runCli(['evidence', 'verify'], { env });
      ok(r, 'evidence verify');

      r = await runCli(['cra', 'notify'], { env: { ...env, KUBECOMPLY_CRA_WEBHOOK: '' } });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no webhook given/);
      r = await run('2026-12-02T09:45:00Z', '--remind', '12x');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /invalid --remind "12x"/);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('kubecomply cra advisory', () => {
  test('a CSAF advisory for a released fix validates; a case without a released fix is refused', async () => {
    const dir = tempDir('kubecomply-cra-adv-');
    const env = { ...BASE_ENV, KUBECOMPLY_STORE: path.join(dir, 'a.db'), KUBECOMPLY_DATA_DIR: path.join(dir, 'data') };
    const step = async (now: string, args: string[]): Promise<CliResult> => {
      const r = await runCli(args, { env: { ...env, KUBECOMPLY_NOW: now } });
      ok(r, args.slice(0, 3).join(' '));
      return r;
    };
    await step('2026-12-01T08:00:00Z', ['cra', 'case', 'open', '-p', EXAMPLE, '--manual', '--id', 'CVE-2026-0002', '--component', 'containerd']);
    let r = await runCli(['cra', 'advisory', 'CASE-0001', '-p', EXAMPLE], { env: { ...env, KUBECOMPLY_NOW: '2026-12-01T08:10:00Z' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /case CASE-0001 is new; an advisory is drafted once the fix is released/);
    await step('2026-12-01T09:00:00Z', ['cra', 'case', 'triage', 'CASE-0001', '--state', 'affected', '--reason', 'reachable', '--by', 'alice@acme.example']);
    await step('2026-12-02T09:00:00Z', ['cra', 'case', 'triage', 'CASE-0001', '--state', 'fix_available', '--fix-version', '2.3.1', '--reason', 'patched', '--by', 'alice@acme.example']);
    await step('2026-12-03T09:00:00Z', ['cra', 'case', 'triage', 'CASE-0001', '--state', 'fix_released', '--fix-version', '2.3.1', '--reason', 'shipped', '--by', 'alice@acme.example']);
    const out = path.join(dir, 'advisory.json');
    r = await step('2026-12-03T10:00:00Z', ['cra', 'advisory', 'CASE-0001', '-p', EXAMPLE, '--fix-url', 'https://acme.example/releases/2.3.1', '-o', out]);
    assert.match(r.stderr, /wrote a draft CSAF advisory for CASE-0001/);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { document: { category: string; tracking: { status: string } }; vulnerabilities: { cve?: string; remediations: { category: string; url?: string }[] }[] };
    assert.deepEqual(validateCsaf(doc), []);
    assert.equal(doc.document.category, 'csaf_security_advisory');
    assert.equal(doc.document.tracking.status, 'draft');
    assert.equal(doc.vulnerabilities[0]!.cve, 'CVE-2026-0002');
    assert.ok(doc.vulnerabilities[0]!.remediations.some((x) => x.category === 'vendor_fix' && x.url === 'https://acme.example/releases/2.3.1'));
  });
});

describe('kubecomply cra: a refreshed KEV catalog starts the clocks of an open case', () => {
  test('open from a scan (not exploited), import a KEV catalog naming its CVE, scan again: marked exploited now', async () => {
    const dir = tempDir('kubecomply-cra-kev-');
    const env = { ...BASE_ENV, KUBECOMPLY_STORE: path.join(dir, 'k.db'), KUBECOMPLY_DATA_DIR: path.join(dir, 'data') };
    const db = path.join(dir, 'vuln.db');
    const at = (now: string) => ({ env: { ...env, KUBECOMPLY_NOW: now } });
    ok(await runCli(['vuln', 'db', 'import', path.join(work, 'osv'), '--db', db], at('2026-12-01T08:00:00Z')), 'import osv');
    let r = await runCli(['cra', 'case', 'open', '-p', EXAMPLE, '--from-scan', '--db', db], at('2026-12-01T09:00:00Z'));
    ok(r, 'open');
    assert.match(r.stdout, /opened CASE-0001: GO-2025-4099 /);
    assert.doesNotMatch(r.stdout, /ACTIVELY EXPLOITED/);
    const kev = path.join(dir, 'kev.json');
    writeTree(dir, {
      'kev.json': JSON.stringify({ title: 'CISA Catalog of Known Exploited Vulnerabilities', catalogVersion: '2026.12.02', dateReleased: '2026-12-02T00:00:00Z', count: 1, vulnerabilities: [{ cveID: 'CVE-2025-31133', vendorProject: 'runc', product: 'runc', vulnerabilityName: 'runc container escape', dateAdded: '2026-12-02', shortDescription: 'test', requiredAction: 'patch', dueDate: '2026-12-23', knownRansomwareCampaignUse: 'Unknown', notes: '' }] }),
    });
    ok(await runCli(['vuln', 'db', 'import', kev, '--db', db], at('2026-12-02T10:00:00Z')), 'import kev');
    r = await runCli(['cra', 'case', 'open', '-p', EXAMPLE, '--from-scan', '--db', db], at('2026-12-02T10:05:00Z'));
    ok(r, 'open again');
    assert.match(r.stdout, /already open: CASE-0001 GO-2025-4099 .*; now ACTIVELY EXPLOITED \(KEV\): the reporting clocks start at 2026-12-02T10:05:00\.000Z/);
    r = await runCli(['cra', 'cases', '--format', 'json'], at('2026-12-02T11:00:00Z'));
    ok(r, 'cases');
    const doc = JSON.parse(r.stdout) as { cases: { id: string; exploitedAt: string; next: { stage: string; due: string } }[] };
    assert.equal(doc.cases[0]!.exploitedAt, '2026-12-02T10:05:00.000Z');
    assert.equal(doc.cases[0]!.next.due, '2026-12-03T10:05:00.000Z');
    // A third run changes nothing.
    r = await runCli(['cra', 'case', 'open', '-p', EXAMPLE, '--from-scan', '--db', db], at('2026-12-02T12:00:00Z'));
    ok(r, 'open a third time');
    assert.doesNotMatch(r.stdout, /now ACTIVELY EXPLOITED/);
  });
});

describe('kubecomply cra: severe incidents and recorded submissions', () => {
  test('incident starts the Art. 14(4) clocks; submissions stop them; the final report counts from the notification', async () => {
    const dir = tempDir('kubecomply-cra-inc-');
    const env = { ...BASE_ENV, KUBECOMPLY_STORE: path.join(dir, 'i.db'), KUBECOMPLY_DATA_DIR: path.join(dir, 'data') };
    const at = (now: string) => ({ env: { ...env, KUBECOMPLY_NOW: now } });
    ok(await runCli(['cra', 'case', 'open', '-p', EXAMPLE, '--manual', '--id', 'INC-2026-001', '--component', 'ingress-nginx'], at('2026-12-01T08:00:00Z')), 'open');
    let r = await runCli(['cra', 'case', 'incident', 'CASE-0001', '--by', 'alice@acme.example', '--description', 'ingress controller compromised'], at('2026-12-01T10:00:00Z'));
    ok(r, 'incident');
    assert.match(r.stdout, /CASE-0001: severe incident, aware since 2026-12-01T10:00:00\.000Z/);
    assert.match(r.stdout, /early_warning\s+Art\. 14\(4\)\(a\)\s+due 2026-12-02T10:00:00\.000Z/);
    assert.match(r.stdout, /final_report\s+Art\. 14\(4\)\(c\)\s+due 2027-01-04T10:00:00\.000Z \(provisional\)/);
    r = await runCli(['cra', 'case', 'submitted', 'CASE-0001', '--track', 'incident', '--stage', 'early-warning', '--by', 'alice@acme.example', '--reference', 'SRP-1'], at('2026-12-02T11:00:00Z'));
    ok(r, 'submitted early warning');
    assert.match(r.stdout, /incident early-warning submitted at 2026-12-02T11:00:00\.000Z \(due 2026-12-02T10:00:00\.000Z: LATE\)/);
    r = await runCli(['cra', 'case', 'submitted', 'CASE-0001', '--track', 'incident', '--stage', 'notification', '--by', 'alice@acme.example'], at('2026-12-03T09:00:00Z'));
    ok(r, 'submitted notification');
    assert.match(r.stdout, /: in time\)/);
    r = await runCli(['cra', 'cases', '--format', 'json'], at('2026-12-03T10:00:00Z'));
    ok(r, 'cases');
    const doc = JSON.parse(r.stdout) as { cases: { next: { track: string; stage: string; due: string; provisional: boolean } }[] };
    assert.deepEqual(doc.cases[0]!.next, { ...doc.cases[0]!.next, track: 'incident', stage: 'final_report', due: '2027-01-03T09:00:00.000Z', provisional: false });
    r = await runCli(['cra', 'case', 'submitted', 'CASE-0001', '--track', 'incident', '--stage', 'notification', '--by', 'bob'], at('2026-12-03T11:00:00Z'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /incident notification already recorded/);
    r = await runCli(['cra', 'case', 'submitted', 'CASE-0001', '--stage', 'early-warning', '--by', 'bob'], at('2026-12-03T11:00:00Z'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not marked actively exploited/);
  });
});
