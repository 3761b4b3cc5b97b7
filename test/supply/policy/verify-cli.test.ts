/**
 * `kubecomply verify` over the ImageVerifier, where the command line adds something: keyless flags with an offline
 * trusted root (a private Sigstore without CT logs), and `--policy` with `--db` judging an attested SBOM's
 * vulnerabilities. Runs the CLI from the sources (tsx), against a real registry.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/client.js';
import { attestAndPush, pushSignatureLayer, signAndPush } from '../../../src/supply/publish.js';
import { VulnDb } from '../../../src/supply/vuln/db.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { KEYLESS_IDENTITY, KEYLESS_ISSUER, keylessSignature, makeSigstore } from '../signature/pki.js';
import { keyPair } from './helpers.js';

const dir = tempDir('kubecomply-policy-cli-');
const MAIN = pathToFileURL(path.resolve(import.meta.dirname, '../../../src/cli/main.ts')).href;
const env = { ...process.env, DOCKER_CONFIG: path.join(dir, 'docker'), KUBECOMPLY_CACHE_DIR: path.join(dir, 'cache') };

function kc(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(process.argv);`, 'kubecomply', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

describe('kubecomply verify: keyless flags and a policy with a vulnerability index', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let image: string;
  const root = path.join(dir, 'trusted_root.json');
  const alice = keyPair(dir, 'alice');

  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ dockerConfig: false, retries: 0 });
    image = `${reg.host}/cli/app:1.0`;
    const { digest } = await pushTestImage(client, image);
    const sigstore = await makeSigstore();
    writeFileSync(root, JSON.stringify(sigstore.rootJson));
    const k = await keylessSignature({ dockerReference: `${reg.host}/cli/app`, digest, env: sigstore });
    await pushSignatureLayer(client, image, k.layer.payload, k.layer.annotations);
  });
  after(async () => {
    client.close();
    await reg.stop();
  });

  test('keyless flags with a trusted root file verify, and say what was verified', async () => {
    const r = await kc(['verify', image, '--certificate-identity', KEYLESS_IDENTITY, '--certificate-oidc-issuer', KEYLESS_ISSUER, '--trusted-root', root]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^VERIFIED .*cli\/app:1\.0 \(sha256:[0-9a-f]{64}\)/);
    assert.ok(r.stdout.includes(`signature by keyless: certificate ${KEYLESS_IDENTITY} issued via ${KEYLESS_ISSUER}, Rekor log index 4242 at 2026-03-01T12:01:00.000Z`), r.stdout);
  });

  test('another identity fails with the reason', async () => {
    const r = await kc(['verify', image, '--certificate-identity-regexp', '^https://github\\.com/other/', '--certificate-oidc-issuer', KEYLESS_ISSUER, '--trusted-root', root]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✗ command line: signatures: no signature from any of keyless: keyless: identity-mismatch: certificate identity \S+ does not match \/\^https:\/\/github\\\.com\/other\/\//);
  });

  test('--policy with --db: a critical advisory in the attested SBOM fails naming it', async () => {
    const app = `${reg.host}/cli/sbom:1.0`;
    await pushTestImage(client, app);
    await signAndPush(client, app, alice.key);
    await attestAndPush(client, app, alice.key, {
      predicateType: 'https://spdx.dev/Document',
      predicate: {
        spdxVersion: 'SPDX-2.3',
        dataLicense: 'CC0-1.0',
        SPDXID: 'SPDXRef-DOCUMENT',
        name: 'cli/sbom',
        documentNamespace: 'https://kubecomply.test/spdx/cli-sbom',
        creationInfo: { created: '2026-03-01T12:00:00Z', creators: ['Tool: kubecomply-test'] },
        packages: [{ SPDXID: 'SPDXRef-Package-minimist', name: 'minimist', versionInfo: '1.2.5', downloadLocation: 'NOASSERTION', externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:npm/minimist@1.2.5' }] }],
      },
    });
    const osv = path.join(dir, 'minimist.json');
    writeFileSync(osv, JSON.stringify({ id: 'GHSA-xvch-5gv4-984h', modified: '2026-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'minimist' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.6' }] }] }], database_specific: { severity: 'CRITICAL' } }));
    const dbFile = path.join(dir, 'vuln.db');
    const db = VulnDb.open(dbFile);
    assert.equal(db.importOsv([osv]).records, 1);
    db.close();
    const policy = path.join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      `apiVersion: kubecomply.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: no-critical\nspec:\n  images: ["${reg.host}/cli/**"]\n  signatures:\n    anyOf:\n      - name: alice\n        key: alice.pub\n  requireSbom: true\n  maxSeverity: high\n`,
    );
    const r = await kc(['verify', app, '--policy', policy, '--db', dbFile]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /attestation https:\/\/spdx\.dev\/Document by alice: spdx/);
    assert.match(r.stdout, /✗ no-critical: maxSeverity: GHSA-xvch-5gv4-984h \(critical\) in minimist@1\.2\.5 exceeds high/);
    // Without an index at the --db path: the policy cannot be judged, and says so.
    const none = await kc(['verify', app, '--policy', policy, '--db', path.join(dir, 'missing', 'vuln.db')]);
    assert.equal(none.code, 1, none.stdout + none.stderr);
    assert.match(none.stdout, /✗ no-critical: maxSeverity: no vulnerability index/);
  });
});
