/**
 * sigstore-conformance bundle-verify: every case directory verifies or (suffix _fail) must not, with the
 * case's trusted root or the production one, the case's identity/issuer (or the suite's defaults), and its
 * key.pub when present (key mode). All cases are offline-checkable, so none is excluded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
// Through the barrel, so the public entry point is exercised too.
import { SignatureError, loadPublicKey, loadTrustedRoot, verifyBundle, type Outcome } from '../../../src/supply/signature/index.js';
import { CONFORMANCE, productionRootJson, read } from './paths.js';

const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

function runCase(dir: string): Outcome<unknown> {
  const file = (n: string) => path.join(dir, n);
  const text = (n: string, dflt: string) => (existsSync(file(n)) ? read(file(n)).toString('utf8').trim() : dflt);
  try {
    const trustedRoot = loadTrustedRoot(existsSync(file('trusted_root.json')) ? read(file('trusted_root.json')) : productionRootJson());
    const artifact = read(existsSync(file('artifact')) ? file('artifact') : path.join(CONFORMANCE, 'a.txt'));
    const publicKey = existsSync(file('key.pub')) ? loadPublicKey(read(file('key.pub'))) : undefined;
    return verifyBundle(read(file('bundle.sigstore.json')), {
      artifact,
      trustedRoot,
      publicKey,
      identity: publicKey ? undefined : { subject: text('identity', DEFAULT_IDENTITY), issuer: text('issuer', DEFAULT_ISSUER) },
    });
  } catch (e) {
    // Loading the trusted root or key is part of verification: a malformed root must fail the case.
    if (e instanceof SignatureError) return { ok: false, reason: e.reason, message: e.message };
    throw e;
  }
}

const cases = readdirSync(CONFORMANCE)
  .filter((d) => statSync(path.join(CONFORMANCE, d)).isDirectory())
  .sort();

test('sigstore-conformance bundle-verify: every case agrees with its name', () => {
  assert.ok(cases.length >= 70, `${cases.length} cases`);
  const wrong: string[] = [];
  let pass = 0;
  let fail = 0;
  for (const c of cases) {
    const r = runCase(path.join(CONFORMANCE, c));
    const expectFail = c.endsWith('_fail');
    if (expectFail) fail++;
    else pass++;
    if (r.ok === expectFail) wrong.push(`${c}: ${r.ok ? 'verified' : `${r.reason}: ${r.message}`}`);
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} cases (${pass} pass, ${fail} fail) disagree`);
});

// The reason matters as much as the verdict for the cases that map onto our failure vocabulary.
const expectedReasons: Record<string, string> = {
  'managed-key-wrong-key_fail': 'invalid-key', // its key.pub is deliberately corrupt,
  'intoto-expired-certificate_fail': 'certificate-expired',
  'set-invalid-signature_fail': 'invalid-set',
  'signature-mismatch_fail': 'tlog-mismatch', // the log recorded the true signature, not the bundle's
  'message-digest-mismatch_fail': 'digest-mismatch',
  'trust-root-tlog-missing-validity-start_fail': 'invalid-trusted-root',
  'bundle-unknown-version_fail': 'invalid-bundle',
  'wrong-material_fail': 'digest-mismatch',
  'bundle-with-root-cert_fail': 'untrusted-chain',
};
for (const [c, reason] of Object.entries(expectedReasons)) {
  test(`conformance ${c} fails as ${reason}`, () => {
    const r = runCase(path.join(CONFORMANCE, c));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, reason, r.message);
  });
}
