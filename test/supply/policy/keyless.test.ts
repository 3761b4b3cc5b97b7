/**
 * Keyless authorities at the registry: a cosign signature manifest (`sha256-<hex>.sig`) whose layer carries a
 * Fulcio-style certificate and a Rekor SET from the test Sigstore (test/supply/signature/pki.ts), judged by an
 * ImagePolicy read from a file with its trusted root beside it. Identity, issuer, expiry and chain failures each name
 * what is wrong in the verdict.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/client.js';
import { pushSignatureLayer } from '../../../src/supply/publish.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';
import { KEYLESS_IDENTITY, KEYLESS_ISSUER, KEYLESS_T0, keylessSignature, makeCa, makeSigstore, type TestSigstore } from '../signature/pki.js';
import { assertAllowed, assertDenied, policiesFrom, validPolicies, verifier } from './helpers.js';

const dir = tempDir('kubecomply-policy-keyless-');

describe('keyless authorities against a real registry', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let sigstore: TestSigstore;

  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ dockerConfig: false, retries: 0 });
    sigstore = await makeSigstore();
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(sigstore.rootJson));
  });
  after(async () => {
    client.close();
    await reg.stop();
  });

  /** Pushes an image and a keyless signature of it (options as keylessSignature's), returns the image by tag. */
  async function signedImage(name: string, o: Partial<Parameters<typeof keylessSignature>[0]> = {}): Promise<{ image: string; digest: string }> {
    const image = `${reg.host}/keyless/${name}:1.0`;
    const { digest } = await pushTestImage(client, image);
    const k = await keylessSignature({ dockerReference: `${reg.host}/keyless/${name}`, digest, env: sigstore, ...o });
    const pushed = await pushSignatureLayer(client, image, k.layer.payload, k.layer.annotations);
    assert.equal(pushed.layers, 1);
    return { image, digest };
  }

  const policy = (keyless: string) => `apiVersion: kubecomply.io/v1alpha1
kind: ImagePolicy
metadata:
  name: ci-signed
spec:
  images: ["${reg.host}/keyless/**"]
  signatures:
    anyOf:
      - name: release-workflow
        keyless:
${keyless
  .trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
`;

  const exact = (): string => policy(`identity: ${KEYLESS_IDENTITY}\nissuer: ${KEYLESS_ISSUER}\ntrustedRoot: trusted_root.json`);

  test('a Fulcio certificate with the identity and issuer, logged in Rekor, passes; the evidence is reported', async () => {
    const { image, digest } = await signedImage('good');
    const v = await verifier(await validPolicies(dir, 'exact.yaml', exact()), { client }).verify(image);
    assertAllowed(v, 'keyless');
    assert.equal(v.digest, digest);
    assert.deepEqual(v.policies, ['ci-signed']);
    assert.equal(v.signatures.length, 1);
    const s = v.signatures[0]!;
    assert.deepEqual([s.authority, s.mode, s.identity, s.issuer, s.rekorLogIndex], ['release-workflow', 'certificate', KEYLESS_IDENTITY, KEYLESS_ISSUER, 4242]);
    assert.equal(s.integratedTime, new Date(KEYLESS_T0 + 60_000).toISOString());
  });

  test('identityRegexp and issuerRegexp accept a matching certificate and refuse another', async () => {
    const { image } = await signedImage('regexp');
    const ok = policy(`identityRegexp: "^https://github\\\\.com/example/app/"\nissuerRegexp: "^https://token\\\\.actions\\\\."\ntrustedRoot: trusted_root.json`);
    assertAllowed(await verifier(await validPolicies(dir, 'regexp.yaml', ok), { client }).verify(image), 'identityRegexp');
    const other = policy(`identityRegexp: "^https://github\\\\.com/other/"\nissuer: ${KEYLESS_ISSUER}\ntrustedRoot: trusted_root.json`);
    const v = await verifier(await validPolicies(dir, 'regexp-other.yaml', other), { client }).verify(image);
    assertDenied(v, 'signatures', /release-workflow: identity-mismatch: certificate identity https:\/\/github\.com\/example\/app\/\S+ does not match \/\^https:\/\/github\\\.com\/other\/\/ \(sha256-[0-9a-f]{64}\.sig layer sha256:[0-9a-f]{12}\)$/, 'regexp mismatch');
  });

  test('a wrong identity fails naming both identities', async () => {
    const { image } = await signedImage('wrong-identity');
    const p = policy(`identity: https://github.com/example/app/.github/workflows/other.yml@refs/heads/main\nissuer: ${KEYLESS_ISSUER}\ntrustedRoot: trusted_root.json`);
    const v = await verifier(await validPolicies(dir, 'wrong-identity.yaml', p), { client }).verify(image);
    const msg = assertDenied(v, 'signatures', /no signature from any of release-workflow: release-workflow: identity-mismatch: certificate identity /, 'wrong identity');
    assert.ok(msg.includes(`certificate identity ${KEYLESS_IDENTITY} does not match https://github.com/example/app/.github/workflows/other.yml@refs/heads/main`), msg);
    assert.equal(v.signatures.length, 0);
  });

  test('a wrong issuer fails naming the certificate issuer', async () => {
    const { image } = await signedImage('wrong-issuer');
    const p = policy(`identity: ${KEYLESS_IDENTITY}\nissuer: https://accounts.google.com\ntrustedRoot: trusted_root.json`);
    const v = await verifier(await validPolicies(dir, 'wrong-issuer.yaml', p), { client }).verify(image);
    assertDenied(v, 'signatures', /release-workflow: issuer-mismatch: certificate OIDC issuer https:\/\/token\.actions\.githubusercontent\.com does not match https:\/\/accounts\.google\.com/, 'wrong issuer');
  });

  test('a signature logged after the certificate expired fails as expired', async () => {
    // The certificate is valid for ten minutes from T0; the log entry is an hour later.
    const { image } = await signedImage('expired', { integratedTime: Math.floor(KEYLESS_T0 / 1000) + 3600 });
    const v = await verifier(await validPolicies(dir, 'expired.yaml', exact()), { client }).verify(image);
    assertDenied(v, 'signatures', /release-workflow: certificate-expired: .*outside the certificate's validity/, 'expired');
  });

  test('a certificate from a CA outside the trusted root fails as an untrusted chain', async () => {
    const stranger = await makeCa('stranger-fulcio');
    const { image } = await signedImage('untrusted', { ca: stranger });
    const v = await verifier(await validPolicies(dir, 'untrusted.yaml', exact()), { client }).verify(image);
    assertDenied(v, 'signatures', /release-workflow: untrusted-chain: Failed to verify certificate chain: no valid certificate path found/, 'untrusted CA');
  });

  test('a trusted root that cannot be read makes the policy invalid, naming the file', async () => {
    const p = policy(`identity: ${KEYLESS_IDENTITY}\nissuer: ${KEYLESS_ISSUER}\ntrustedRoot: missing_root.json`);
    const r = await policiesFrom(dir, 'missing-root.yaml', p);
    assert.equal(r.policies.length, 0);
    assert.match(r.errors.join('\n'), /spec\.signatures\.anyOf\[0\]\.keyless\.trustedRoot: cannot read .*missing_root\.json: ENOENT/);
    const v = await verifier([], { client, invalid: r.invalid }).verify(`${reg.host}/keyless/good:1.0`);
    assertDenied(v, 'policy', /ImagePolicy "ci-signed" could not be read/, 'invalid policy');
  });
});
