/**
 * The CLI as a user runs it: the built binary in a child process, real files, real stdin, exit codes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const PRIVILEGED = (name: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n`;

const COMPLIANT = `apiVersion: v1
kind: Pod
metadata:
  name: compliant
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
`;

describe('help and version', () => {
  test('--help teaches: commands, examples; scan --help lists exit codes and examples', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /scan \[options\] \[paths\.\.\.\]/);
    assert.match(top.stdout, /Get started:/);
    const scan = await runCli(['scan', '--help']);
    assert.equal(scan.code, 0);
    assert.match(scan.stdout, /Exit codes:\n\s+0 /);
    assert.match(scan.stdout, /helm template \.\/chart \| kubecomply scan -/);
    assert.match(scan.stdout, /--pss-version <version>/);
  });

  test('--version and the version command print the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.equal((await runCli(['--version'])).stdout.trim(), `kubecomply ${pkg.version}`);
    assert.equal((await runCli(['version'])).stdout.trim(), `kubecomply ${pkg.version}`);
  });
});

describe('usage errors exit 2 with a hint', () => {
  test('no input', async () => {
    const r = await runCli(['scan']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: no input given\nhint: .*"-" to read standard input/);
  });

  test('unknown control suggests the closest id', async () => {
    const r = await runCli(['scan', 'examples/', '--controls', 'pss-privilegd']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown control "pss-privilegd" \(did you mean "pss-privileged"\?\)/);
  });

  test('bad choices and versions', async () => {
    const f = await runCli(['scan', 'examples/', '--format', 'xml']);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /argument 'xml' is invalid\. Allowed choices are table, json, sarif, junit/);
    const v = await runCli(['scan', 'examples/', '--pss-version', 'one.thirty']);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /invalid Pod Security version "one\.thirty"/);
    const fam = await runCli(['scan', 'examples/', '--family', 'nope']);
    assert.equal(fam.code, 2);
    assert.match(fam.stderr, /families are: cluster, governance, images, network, pod-security, rbac, secrets, workload\n/);
  });
});

describe('exit codes follow --fail-on', () => {
  test('0 when clean, 1 at or above the threshold, 0 below it', async () => {
    const dir = writeTree(tempDir(), { 'ok.yaml': COMPLIANT, 'bad.yaml': PRIVILEGED('p') });
    // The Pod Security family: a pod that meets the restricted level is clean.
    const clean = await runCli(['scan', path.join(dir, 'ok.yaml'), '--family', 'pod-security']);
    assert.equal(clean.code, 0, clean.stderr);
    // pss-namespace-enforce-label judges Namespaces: none here, so it is said apart rather than counted as passed.
    assert.match(clean.stdout, /No findings: 1 resource passes all 15 controls that apply \(1 had nothing in scope\)\./);
    assert.equal((await runCli(['scan', path.join(dir, 'bad.yaml')])).code, 1);
    assert.equal((await runCli(['scan', path.join(dir, 'bad.yaml'), '--fail-on', 'critical'])).code, 1);
    const below = await runCli(['scan', path.join(dir, 'bad.yaml'), '--fail-on', 'critical', '--skip-controls', 'pss-privileged']);
    assert.equal(below.code, 0);
    assert.match(below.stdout, /Result: PASS — no findings at or above "critical"/);
    assert.equal((await runCli(['scan', path.join(dir, 'bad.yaml'), '--fail-on', 'none'])).code, 0);
  });

  test('2 when some input is broken — and findings elsewhere are still reported', async () => {
    const dir = writeTree(tempDir(), { 'a-bad.yaml': PRIVILEGED('still-scanned'), 'b-broken.yaml': 'kind: [unclosed\n' });
    const r = await runCli(['scan', dir, '--format', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /b-broken\.yaml:\d+:\d+: error: YAML syntax error: unexpected end of the stream within a flow collection/);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.summary.result, 'error');
    assert.ok(doc.findings.some((f: any) => f.resource.name === 'still-scanned' && f.controlId === 'pss-privileged'));
  });
});

describe('inputs and outputs', () => {
  test('a reader that goes away (| head) ends the scan quietly, with the SIGPIPE status', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${JSON.stringify(BIN)} scan examples/ --fail-on none --format json | head -1`], { encoding: 'utf8' });
    // The JSON report (~380 KB) is larger than a pipe's buffer, so the write that fails is certain.
    assert.equal(r.stdout, '{\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 141);
  });

  test('stdin: rendered Helm output is read from "-"', async () => {
    const helm = `---\n# Source: app/templates/pod.yaml\n${PRIVILEGED('from-helm')}`;
    const r = await runCli(['scan', '-', '--controls', 'pss-privileged'], { stdin: helm });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Pod default\/from-helm {2}app\/templates\/pod\.yaml:1 \(<stdin>:3\)/);
    assert.match(r.stdout, /securityContext\.privileged \(line 10\)/);
  });

  test('--output writes the report to a file and says so on stderr', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'results.sarif');
    const r = await runCli(['scan', 'examples/', '--format', 'sarif', '--output', out, '--fail-on', 'high']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /wrote sarif report to .*results\.sarif: \d+ findings in \d+ resources/);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).version, '2.1.0');
  });

  test('--controls, --skip-controls and --family select controls', async () => {
    const only = JSON.parse((await runCli(['scan', 'examples/', '-f', 'json', '--controls', 'pss-host-*'])).stdout);
    assert.deepEqual([...new Set(only.findings.map((f: any) => f.controlId))].sort(), ['pss-host-namespaces', 'pss-host-ports']);
    const skipped = JSON.parse((await runCli(['scan', 'examples/', '-f', 'json', '--family', 'pod-security', '--skip-controls', 'pss-namespace-enforce-label'])).stdout);
    assert.ok(!skipped.controls.some((c: any) => c.id === 'pss-namespace-enforce-label'));
  });

  test('--pss-level and --pss-version change what is required', async () => {
    const baseline = JSON.parse((await runCli(['scan', 'examples/', '-f', 'json', '--pss-level', 'baseline'])).stdout);
    assert.ok(!baseline.findings.some((f: any) => f.controlId === 'pss-run-as-non-root'));
    assert.ok(baseline.findings.some((f: any) => f.controlId === 'pss-host-namespaces'));
    const old = JSON.parse((await runCli(['scan', 'examples/', '-f', 'json', '--pss-version', 'v1.18'])).stdout);
    assert.equal(old.scan.podSecurity.version, 'v1.18');
    assert.ok(!old.controls.some((c: any) => c.id === 'pss-seccomp-restricted'));
    const future = await runCli(['scan', 'examples/', '-f', 'json', '--pss-version', 'v1.40']);
    assert.match(future.stderr, /note: Pod Security version v1\.40 is newer .* using v1\.37/);
  });

  test('colour only on a terminal: NO_COLOR is honoured, FORCE_COLOR forces it', async () => {
    const plain = await runCli(['scan', 'examples/', '--fail-on', 'none']);
    assert.ok(!plain.stdout.includes('\u001b['));
    const forced = await runCli(['scan', 'examples/', '--fail-on', 'none'], { env: { FORCE_COLOR: '1' } });
    assert.ok(forced.stdout.includes('\u001b['));
    // On a real terminal (a pty), colour is on unless NO_COLOR is set.
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${BIN} scan examples/ --fail-on none`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' } });
    assert.ok(tty.stdout.includes('\u001b['), 'colour on a tty');
    const ttyNoColor = spawnSync('script', ['-qec', `${process.execPath} ${BIN} scan examples/ --fail-on none`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' } });
    assert.ok(!ttyNoColor.stdout.includes('\u001b['), 'NO_COLOR on a tty');
  });

  test('on a terminal, a progress indicator goes to stderr and is cleared', async () => {
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${BIN} scan examples/ --fail-on none 2>&1 >/dev/null`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECOMPLY_PROGRESS_DELAY_MS: '0' },
    });
    assert.match(tty.stdout, /reading [\d,]+ documents from \d+ inputs? \([\d.]+ MB\)/);
    assert.ok(tty.stdout.includes('\r\u001b[K'), 'the line is cleared at the end');
    const piped = await runCli(['scan', 'examples/', '--fail-on', 'none'], { env: { KUBECOMPLY_PROGRESS_DELAY_MS: '0' } });
    assert.ok(!piped.stderr.includes('reading'), 'no progress when stderr is not a terminal');
  });
});

describe('big and hostile input', () => {
  test('a 200 MB file: the oversized document is reported, its neighbours scanned, memory bounded', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'huge.yaml');
    const fd = openSync(file, 'w');
    writeSync(fd, `${PRIVILEGED('before')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: "`);
    const mb = Buffer.alloc(1024 * 1024, 'A');
    for (let i = 0; i < 200; i++) writeSync(fd, mb);
    writeSync(fd, `"\n---\n${PRIVILEGED('after')}`);
    closeSync(fd);
    // 96 MB of heap is less than half of the file: only streaming gets through.
    const r = await runCli(['scan', file, '--format', 'json', '--controls', 'pss-privileged'], { nodeArgs: ['--max-old-space-size=96'] });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /huge\.yaml:11: error: document 2 \(starting at line 11\) is 200\.0 MiB, over the 16 MiB limit; skipped/);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.findings.map((f: any) => f.resource.name), ['before', 'after']);
    assert.equal(doc.findings[1].location.line, 28);
  });
});

describe('controls and explain', () => {
  test('controls --format json lists id, family, severity and mappings', async () => {
    const r = await runCli(['controls', '--format', 'json']);
    assert.equal(r.code, 0);
    const list = JSON.parse(r.stdout);
    const priv = list.find((c: any) => c.id === 'pss-privileged');
    assert.equal(priv.family, 'pod-security');
    assert.equal(priv.severity, 'critical');
    assert.deepEqual(priv.mappings.cis, ['5.2.2']);
    assert.deepEqual(priv.podSecurity, { level: 'baseline', check: 'privileged', since: 'v1.0' });
    const table = await runCli(['controls']);
    assert.match(table.stdout, /pss-seccomp-restricted +medium +pod-security +Seccomp profile not set \(restricted from v1\.19, replaces pss-seccomp-baseline\)/);
  });

  test('explain prints what, why and how to fix; unknown ids get a suggestion', async () => {
    const r = await runCli(['explain', 'pss-run-as-non-root']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /What it checks\n/);
    assert.match(r.stdout, /How to fix\n[\s\S]*runAsNonRoot: true/);
    const bad = await runCli(['explain', 'pss-run-as-nonroot']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /did you mean "pss-run-as-non-root"/);
  });
});
