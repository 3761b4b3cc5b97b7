/**
 * `kubecomply sign`, `attest` and `verify` end to end against a real registry (Debian's docker-registry on
 * loopback): images the test builds and pushes, signed and attested with keys it generates, then verified — and each
 * failure case fails with a precise message: wrong key, tampered payload, digest mismatch (a signature copied to
 * another image), missing attestation, a failing predicate condition, an unreachable registry.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/supply/oci/client.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('kubecomply-sign-');
const env = { DOCKER_CONFIG: path.join(dir, 'docker'), KUBECOMPLY_CACHE_DIR: path.join(dir, 'cache') };

function keyPair(name: string, type: 'ec' | 'ed25519' | 'rsa' = 'ec'): { priv: string; pub: string } {
  const { privateKey, publicKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const priv = path.join(dir, `${name}.key`);
  const pub = path.join(dir, `${name}.pub`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv, pub };
}

const kc = (args: string[]): Promise<CliResult> => runCli(args, { env });
const ok = (r: CliResult, what: string): void => assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
const fails = (r: CliResult, re: RegExp, what: string): void => {
  assert.equal(r.code, 1, `${what}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, re, what);
};

/** A SLSA v1 provenance predicate (the spec's example shape) for a given builder and source. */
const provenance = (builder: string, repo: string) => ({
  buildDefinition: {
    buildType: 'https://actions.github.io/buildtypes/workflow/v1',
    externalParameters: { workflow: { ref: 'refs/heads/main', repository: repo, path: '.github/workflows/release.yml' } },
    resolvedDependencies: [{ uri: `git+${repo}@refs/heads/main`, digest: { gitCommit: 'a'.repeat(40) } }],
  },
  runDetails: { builder: { id: builder }, metadata: { invocationId: 'https://github.com/acme/app/actions/runs/1/attempts/1' } },
});

describe('sign, attest and verify against a real registry', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let app: string;
  let other: string;
  const release = keyPair('release');
  const wrong = keyPair('wrong');
  const ed = keyPair('ed', 'ed25519');

  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ dockerConfig: false });
    app = `${reg.host}/team/app:1.0`;
    other = `${reg.host}/team/app:2.0`;
    await pushTestImage(client, app);
    await pushTestImage(client, other, { files: [{ name: 'etc/other', data: 'other\n' }] });
  });
  after(async () => {
    client.close();
    await reg.stop();
  });

  test('an unsigned image fails; signed, it verifies with its key and names the key; a wrong key fails', async () => {
    let r = await kc(['verify', app, '--key', release.pub]);
    fails(r, /FAILED .*team\/app:1\.0 \(sha256:[0-9a-f]{64}\)[\s\S]*no cosign signature \(sha256-[0-9a-f]{64}\.sig\)/, 'unsigned');
    r = await kc(['sign', app, '--key', release.priv]);
    ok(r, 'sign');
    assert.match(r.stdout, /^signed .*team\/app:1\.0 \(sha256:[0-9a-f]{64}\) with key sha256:[0-9a-f]{64}\npushed .*team\/app:sha256-[0-9a-f]{64}\.sig \(1 signature\)/);
    r = await kc(['verify', app, '--key', release.pub]);
    ok(r, 'verify');
    assert.match(r.stdout, /^VERIFIED .*team\/app:1\.0 \(sha256:/);
    assert.match(r.stdout, /signature by release\.pub: key sha256:[0-9a-f]{64}, no transparency log entry/);
    r = await kc(['verify', app, '--key', wrong.pub]);
    fails(r, /signatures: no signature from any of wrong\.pub: wrong\.pub: wrong-key: signature does not verify with key/, 'wrong key');
    // A second signer is added beside the first (cosign appends); both verify.
    ok(await kc(['sign', app, '--key', ed.priv]), 'sign ed25519');
    r = await kc(['verify', app, '--key', ed.pub, '-o', 'json']);
    ok(r, 'verify ed25519');
    const v = JSON.parse(r.stdout) as { allowed: boolean; signatures: { keyFingerprint: string }[] }[];
    assert.equal(v[0]!.allowed, true);
    ok(await kc(['verify', app, '--key', release.pub]), 'the first signature still verifies');
  });

  test('a signature copied onto another image fails as a digest mismatch', async () => {
    const a = (await client.headManifest(app))!.digest;
    const b = (await client.headManifest(other))!.digest;
    const sig = await client.getManifest(`${reg.host}/team/app:sha256-${a.slice(7)}.sig`);
    await client.pushManifest(`${reg.host}/team/app:sha256-${b.slice(7)}.sig`, sig.bytes, sig.mediaType);
    const r = await kc(['verify', other, '--key', release.pub]);
    fails(r, new RegExp(`digest-mismatch: signature is for ${a}, the image is ${b}`), 'copied signature');
  });

  test('a payload changed in the registry storage fails', async () => {
    const img = `${reg.host}/team/tamper:1.0`;
    await pushTestImage(client, img);
    ok(await kc(['sign', img, '--key', release.priv]), 'sign');
    const d = (await client.headManifest(img))!.digest;
    const sig = (await client.getManifest(`${reg.host}/team/tamper:sha256-${d.slice(7)}.sig`)).json as { layers: { digest: string }[] };
    const blob = reg.blobPath(sig.layers[0]!.digest);
    const payload = readFileSync(blob, 'utf8');
    writeFileSync(blob, payload.replace('cosign container image signature', 'cosign container image signaturE'));
    const r = await kc(['verify', img, '--key', release.pub]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /digest|tampered/i);
  });

  test('attestations: a SLSA provenance verifies and is described; a missing one and a failing condition fail precisely', async () => {
    const pred = path.join(dir, 'provenance.json');
    writeFileSync(pred, JSON.stringify(provenance('https://github.com/actions/runner/github-hosted', 'https://github.com/acme/app')));
    let r = await kc(['verify', app, '--key', release.pub, '--attestation', 'slsaprovenance1']);
    fails(r, /attestations\[slsaprovenance1\]: no verified slsaprovenance1 attestation \(no attestations at sha256-[0-9a-f]{64}\.att\)/, 'missing attestation');
    r = await kc(['attest', app, '--key', release.priv, '--predicate', pred, '--type', 'slsaprovenance1']);
    ok(r, 'attest');
    assert.match(r.stdout, /attested .*: https:\/\/slsa\.dev\/provenance\/v1, signed with key sha256:/);
    r = await kc(['verify', app, '--key', release.pub, '--attestation', 'slsaprovenance1']);
    ok(r, 'verify attestation');
    assert.match(r.stdout, /attestation https:\/\/slsa\.dev\/provenance\/v1 by release\.pub: builder https:\/\/github\.com\/actions\/runner\/github-hosted, source git\+https:\/\/github\.com\/acme\/app@refs\/heads\/main/);
    // Signed by another key: not trusted.
    r = await kc(['verify', app, '--key', ed.pub, '--attestation', 'slsaprovenance1']);
    fails(r, /no verified slsaprovenance1 attestation \(present: https:\/\/slsa\.dev\/provenance\/v1; 0 verified\)/, 'attestation by another key');

    const policy = (builders: string[]) => {
      const f = path.join(dir, `policy-${builders.length}.yaml`);
      writeFileSync(
        f,
        `apiVersion: kubecomply.io/v1alpha1
kind: ImagePolicy
metadata:
  name: team-images
spec:
  images: ["${reg.host}/team/**"]
  signatures:
    anyOf:
      - name: release
        key: ${path.basename(release.pub)}
  attestations:
    - predicateType: slsaprovenance1
      conditions:
        - field: builderId
          in: [${builders.map((b) => JSON.stringify(b)).join(', ')}]
        - field: sourceRepository
          matches: "^git\\\\+https://github.com/acme/"
`,
      );
      return f;
    };
    r = await kc(['verify', app, '--policy', policy(['https://github.com/actions/runner/github-hosted'])]);
    ok(r, 'policy passes');
    assert.match(r.stdout, /VERIFIED .* policy: team-images/);
    r = await kc(['verify', app, '--policy', policy(['https://builder.acme.example', 'https://other.example'])]);
    fails(r, /team-images: attestations\[slsaprovenance1\]: condition failed: builderId in \[https:\/\/builder\.acme\.example, https:\/\/other\.example\] \(is https:\/\/github\.com\/actions\/runner\/github-hosted\)/, 'condition');
  });

  test('scan --verify-images: the same policy as a control, a finding on the container whose image fails it', async () => {
    const signedDigest = (await client.headManifest(app))!.digest;
    const unsignedImg = `${reg.host}/team/unsigned:1.0`;
    await pushTestImage(client, unsignedImg);
    const unsignedDigest = (await client.headManifest(unsignedImg))!.digest;
    const f = path.join(dir, 'scan-policy.yaml');
    writeFileSync(f, `apiVersion: kubecomply.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: team\nspec:\n  images: ["${reg.host}/team/**"]\n  signatures:\n    anyOf:\n      - key: ${path.basename(release.pub)}\n`);
    const m = path.join(dir, 'deploy.yaml');
    writeFileSync(
      m,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers:\n        - name: ok\n          image: ${reg.host}/team/app@${signedDigest}\n        - name: bad\n          image: ${reg.host}/team/unsigned@${unsignedDigest}\n        - name: other\n          image: docker.io/library/busybox@sha256:${'1'.repeat(64)}\n`,
    );
    const r = await kc(['scan', m, '--verify-images', '--image-policy', f, '--controls', 'image-policy-verified', '-f', 'json', '--no-config']);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: { controlId?: string; control?: { id: string } | string; path?: string; location?: { path?: string; line?: number }; message: string }[] };
    const found = JSON.stringify(doc.findings);
    assert.match(found, /image-policy-verified/);
    assert.match(found, /spec\.template\.spec\.containers\[1\]\.image/);
    assert.match(found, /team\/unsigned@sha256:[0-9a-f]{64} fails team: signatures: no signature from any of/);
    assert.doesNotMatch(found, /containers\[0\]|containers\[2\]/, 'the signed image passes; busybox is governed by no policy');
    const noPolicy = await kc(['scan', m, '--verify-images', '--no-config']);
    assert.equal(noPolicy.code, 2);
    assert.match(noPolicy.stderr, /--verify-images needs --image-policy FILE/);
  });

  test('scan --verify-images --vuln-db: maxSeverity judges the attested SBOM against that index', async () => {
    const img = `${reg.host}/team/sbom:1.0`;
    await pushTestImage(client, img);
    const digest = (await client.headManifest(img))!.digest;
    ok(await kc(['sign', img, '--key', release.priv]), 'sign');
    const sbom = path.join(dir, 'sbom.cdx.json');
    writeFileSync(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [{ type: 'library', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' }] }));
    ok(await kc(['attest', img, '--key', release.priv, '--predicate', sbom, '--type', 'cyclonedx']), 'attest the SBOM');
    const osv = path.join(dir, 'GHSA-p6mc-m468-83gw.json');
    writeFileSync(osv, JSON.stringify({ schema_version: '1.6.0', id: 'GHSA-p6mc-m468-83gw', modified: '2026-01-01T00:00:00Z', summary: 'prototype pollution in lodash', affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }], database_specific: { severity: 'MODERATE' } }));
    const db = path.join(dir, 'scan-vuln.db');
    ok(await kc(['vuln', 'db', 'import', osv, '--db', db]), 'vuln db import');
    const f = path.join(dir, 'sbom-policy.yaml');
    writeFileSync(f, `apiVersion: kubecomply.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: no-medium\nspec:\n  images: ["${reg.host}/team/sbom"]\n  signatures:\n    anyOf:\n      - key: ${path.basename(release.pub)}\n  maxSeverity: low\n`);
    const m = path.join(dir, 'sbom-deploy.yaml');
    writeFileSync(m, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  containers:\n    - name: app\n      image: ${reg.host}/team/sbom@${digest}\n`);
    const r = await kc(['scan', m, '--verify-images', '--image-policy', f, '--vuln-db', db, '--controls', 'image-policy-verified', '-f', 'json', '--no-config']);
    assert.equal(r.code, 1, r.stderr);
    const found = JSON.stringify((JSON.parse(r.stdout) as { findings: unknown[] }).findings);
    assert.match(found, /GHSA-p6mc-m468-83gw \(medium\) in lodash@4\.17\.20 exceeds low/);
  });

  test('verify with flags: images of one repository are judged by one policy, each failure said once; a misspelt --attestation is a usage error', async () => {
    // other (app:2.0) is never signed by wrong: two images, one repository, two failures.
    const r = await kc(['verify', app, other, '--key', wrong.pub]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal((r.stdout.match(/command line: signatures:/g) ?? []).length, 2, r.stdout);
    const typo = await kc(['verify', app, '--key', release.pub, '--attestation', 'slsaprovenace1']);
    assert.equal(typo.code, 2, typo.stdout + typo.stderr);
    assert.match(typo.stderr, /unknown --attestation "slsaprovenace1"/);
    assert.match(typo.stderr, /a predicate type URI or one of slsaprovenance, /);
  });

  test('signing again with a deterministic key (Ed25519) adds no second copy of the same signature', async () => {
    const img = `${reg.host}/team/again:1.0`;
    await pushTestImage(client, img);
    for (let i = 0; i < 2; i++) {
      const r = await kc(['sign', img, '--key', ed.priv]);
      ok(r, `sign ${i + 1}`);
      assert.match(r.stdout, /pushed .*team\/again:sha256-[0-9a-f]{64}\.sig \(1 signature\)/, `sign ${i + 1}`);
    }
    ok(await kc(['verify', img, '--key', ed.pub]), 'verify');
  });

  test('an invalid policy is refused with file, line and field', async () => {
    const f = path.join(dir, 'bad-policy.yaml');
    writeFileSync(f, `apiVersion: kubecomply.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: bad\nspec:\n  images: ["x/**"]\n  maxSeverity: severe\n  signatures:\n    anyOf:\n      - key: missing.pub\n`);
    const r = await kc(['verify', app, '--policy', f]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad-policy\.yaml:10:\d+: ImagePolicy "bad": spec\.signatures\.anyOf\[0\]\.key: cannot read the key file .*missing\.pub: ENOENT/);
    assert.match(r.stderr, /bad-policy\.yaml:7:\d+: ImagePolicy "bad": spec\.maxSeverity: expected one of none, low, medium, high, critical/);
    // A misspelt alias is not a predicate type that no attestation will ever have.
    const typo = path.join(dir, 'typo-policy.yaml');
    writeFileSync(typo, `apiVersion: kubecomply.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: typo\nspec:\n  images: ["x/**"]\n  signatures:\n    anyOf:\n      - key: ${path.basename(release.pub)}\n  attestations:\n    - predicateType: slsaprovenace1\n`);
    const t = await kc(['verify', app, '--policy', typo]);
    assert.equal(t.code, 2, t.stderr);
    assert.match(t.stderr, /typo-policy\.yaml:11:\d+: ImagePolicy "typo": spec\.attestations\[0\]\.predicateType: unknown predicate type "slsaprovenace1"/);
  });

  test('an unreachable registry fails closed with the reason', async () => {
    const r = await kc(['verify', '127.0.0.1:1/team/app:1.0', '--key', release.pub, '--timeout', '20s']);
    fails(r, /registry: cannot verify: registry 127\.0\.0\.1:1: .*connection refused.*\(onRegistryError: deny\)/, 'unreachable');
  });

  test('usage errors exit 2', async () => {
    let r = await kc(['verify', app]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing to verify with/);
    r = await kc(['verify', app, '--certificate-identity', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs --certificate-oidc-issuer/);
    r = await kc(['sign', app, '--key', path.join(dir, 'none.key')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read the key .*none\.key: ENOENT/);
    r = await kc(['attest', app, '--key', release.priv, '--predicate', release.pub, '--type', 'slsaprovenance1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not JSON/);
  });
});
