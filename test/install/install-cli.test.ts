/**
 * `kubecomply install` as a user runs it: help, output to stdout or a file, notes on stderr, exit codes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { yamlDocs } from './helpers.js';

describe('kubecomply install', () => {
  test('--help teaches: the wiring, the failure policy, certificates, examples', async () => {
    const r = await runCli(['install', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--namespace', '--name', '--replicas', '--image', '--config', '--failure-policy', '--timeout', '--cert-days', '--output', '--format', '--no-cluster-exceptions', '--api-server-cidr']) {
      assert.ok(r.stdout.includes(flag), flag);
    }
    assert.match(r.stdout, /How the webhook is wired:/);
    assert.match(r.stdout, /enforce +\/validate\/enforce/);
    assert.match(r.stdout, /Ignore fails open/);
    assert.match(r.stdout, /Cluster exceptions \(default on; --no-cluster-exceptions turns them off\):/);
    assert.match(r.stdout, /get, list and watch on\s+complianceexceptions\.kubecomply\.io/);
    assert.match(r.stdout, /Examples:\n/);
    assert.match(r.stdout, /kubectl apply -f kubecomply\.yaml -l 'app\.kubernetes\.io\/component!=webhook-configuration/);
    const top = await runCli(['--help']);
    // Commander wraps descriptions to the terminal width: compare the text, not the line breaks.
    assert.match(top.stdout.replace(/\s+/g, ' '), /install \[options\] print the manifests that run the admission webhook/);
  });

  test('prints a YAML stream on stdout and notes on stderr; --quiet silences the notes', async () => {
    const r = await runCli(['install', '--namespace', 'kubecomply']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(yamlDocs(r.stdout).length, 16);
    assert.match(r.stderr, /note: --image not given: the manifests name the placeholder registry\.example\.com\/kubecomply\/kubecomply:/);
    const q = await runCli(['install', '--namespace', 'kubecomply', '--quiet']);
    assert.equal(q.stderr, '');
    assert.match(q.stdout, /^# kubecomply .*\n# {3}kubecomply install --namespace kubecomply\n/, 'the header names the command (without --quiet)');
  });

  test('-o writes the file and says how to apply it; --failure-policy Ignore warns about the risk', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'm.yaml');
    const r = await runCli(['install', '-n', 'kubecomply', '--failure-policy', 'Ignore', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /failurePolicy Ignore: while the webhook is unavailable .* bypasses enforcement/);
    assert.match(r.stderr, /wrote 16 objects to .*m\.yaml; apply with: kubectl apply -f .* -l 'app\.kubernetes\.io\/component!=webhook-configuration/);
    const text = readFileSync(out, 'utf8');
    assert.doesNotMatch(text.split('\n').slice(0, 3).join('\n'), /-o /, 'where the file went is not part of the command in the header');
    const vwc = yamlDocs(text).find((o) => o.kind === 'ValidatingWebhookConfiguration')!;
    assert.equal(vwc.webhooks[0].failurePolicy, 'Ignore');
  });

  test('usage errors exit 2 with a hint', async () => {
    const cases: [string[], RegExp][] = [
      [['--replicas', '1'], /error: invalid --replicas "1".*\nhint: a webhook that fails closed needs a second replica/],
      [['--replicas', 'two'], /invalid --replicas "two": expected a whole number/],
      [['--failure-policy', 'Never'], /argument 'Never' is invalid\. Allowed choices are Fail, Ignore/],
      [['--format', 'xml'], /Allowed choices are yaml, json/],
      [['--label', 'owner'], /invalid --label "owner": expected KEY=VALUE/],
      [['--tls-cert', 'x.crt'], /--tls-cert, --tls-key and --ca-cert go together/],
      [['--image', 'registry.example.com/kubecomply/kubecomply'], /neither a tag nor a digest\nhint: pin the image by digest/],
      [['--config', 'no-such-file.yaml'], /cannot read --config no-such-file\.yaml/],
      [['--api-server-cidr', '10.0.0.1'], /invalid --api-server-cidr "10\.0\.0\.1"/],
      [['--no-cluster-exceptions', '--api-server-cidr', '10.0.0.1/32'], /--api-server-cidr narrows the egress/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['install', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });
});
