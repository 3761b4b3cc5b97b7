/**
 * Image policies at admission (src/admission/images.ts) against a real registry: signed images pass, unsigned ones
 * are denied in enforce mode and warned about in warn mode, a pod's containers sharing an image cost one
 * verification and later requests are answered from the cache, an unreachable or hanging registry fails closed
 * within the time budget, images no policy governs are answered without waiting — and `kubecomply serve
 * --image-policy` does the same over HTTPS.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withImagePolicies } from '../../src/admission/images.js';
import { parseImagePolicies } from '../../src/supply/policy/image-policy.js';
import { ImageVerifier } from '../../src/supply/policy/evaluate.js';
import { RegistryClient } from '../../src/supply/oci/client.js';
import { signAndPush } from '../../src/supply/publish.js';
import { loadPrivateKey } from '../../src/supply/signature/index.js';
import { loadSources } from '../../src/sources/loader.js';
import { BIN } from '../helpers/cli.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { postReview } from '../server/helpers.js';
import { admissionReview, answer, COMPLIANT_POD_SPEC, decider, deployment, pod } from './helpers.js';

const dir = tempDir('kubecomply-admission-images-');

function specWith(images: string[]): Record<string, unknown> {
  const base = COMPLIANT_POD_SPEC.containers[0]!;
  return { ...COMPLIANT_POD_SPEC, containers: images.map((image, i) => ({ ...base, name: `c${i}`, image })) };
}

async function policiesFrom(file: string): Promise<ReturnType<typeof parseImagePolicies>> {
  const loaded = await loadSources([file], { defaultNamespace: 'default' });
  return parseImagePolicies(loaded.resources);
}

describe('image policies at admission', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let signed: string;
  let unsigned: string;
  let policyFile: string;
  let hang: Server;
  let hangPort: number;
  const sockets: Socket[] = [];

  before(async () => {
    reg = await startRegistry();
    client = new RegistryClient({ dockerConfig: false });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path.join(dir, 'cosign.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const a = await pushTestImage(client, `${reg.host}/team/app:1.0`);
    const b = await pushTestImage(client, `${reg.host}/team/evil:1.0`);
    signed = `${reg.host}/team/app@${a.digest}`;
    unsigned = `${reg.host}/team/evil@${b.digest}`;
    await signAndPush(client, signed, loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string));
    // A "registry" that accepts connections and never answers.
    hang = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    hangPort = (hang.address() as { port: number }).port;
    policyFile = path.join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      `apiVersion: kubecomply.io/v1alpha1
kind: ImagePolicy
metadata:
  name: team-signed
spec:
  images: ["${reg.host}/team/**", "127.0.0.1:1/**", "127.0.0.1:${hangPort}/**"]
  signatures:
    anyOf:
      - name: release
        key: cosign.pub
`,
    );
  });
  after(async () => {
    client.close();
    for (const s of sockets) s.destroy();
    hang.close();
    await reg.stop();
  });

  const gate = async (mode: 'enforce' | 'warn' = 'enforce', budgetMs = 5000) => {
    const { policies, invalid } = await policiesFrom(policyFile);
    const verifier = new ImageVerifier({ policies, invalid, client: new RegistryClient({ dockerConfig: false, retries: 0 }) });
    return { verifier, d: withImagePolicies(decider({ mode }), { verifier, budgetMs }) };
  };

  test('a Deployment of ten containers on two signed tags and digests: allowed, one verification per image, then cached', async () => {
    // warn mode: the catalog's own image controls (tags not pinned) only warn here; the image policy is what is tested.
    const { verifier, d } = await gate('warn');
    const images = [...Array(8).fill(signed), `${reg.host}/team/app:1.0`, `${reg.host}/team/app:1.0`];
    const review = admissionReview({ operation: 'CREATE', object: deployment('api', 'team-a', specWith(images)) });
    const a = answer(await d.review(review), review);
    assert.equal(a.allowed, true, JSON.stringify(a));
    assert.ok(!(a.warnings ?? []).some((w) => w.includes('image-policy')), JSON.stringify(a.warnings));
    const verdicts = JSON.parse(a.auditAnnotations['image-policy']!) as { image: string; digest: string; allowed: boolean; policies: string[] }[];
    assert.deepEqual(verdicts.map((v) => [v.allowed, v.policies]), [[true, ['team-signed']], [true, ['team-signed']]]);
    assert.equal(verdicts[0]!.digest, verdicts[1]!.digest, 'the tag resolves to the signed digest');
    assert.equal(verifier.verifications, 1, 'one verification for the one digest behind ten containers');
    const again = answer(await d.review(admissionReview({ operation: 'CREATE', object: pod('api-2', 'team-a', specWith([signed])) })));
    assert.equal(again.allowed, true);
    assert.equal(verifier.verifications, 1, 'the next request is answered from the cache');
  });

  test('an unsigned image is denied in enforce mode with the reason, warned about in warn mode', async () => {
    const { d } = await gate();
    const review = admissionReview({ operation: 'CREATE', object: pod('evil', 'team-a', specWith([signed, unsigned])) });
    const a = answer(await d.review(review), review);
    assert.equal(a.allowed, false);
    assert.equal(a.status!.code, 403);
    assert.match(a.status!.message, new RegExp(`image-policy: .*team/evil@sha256:[0-9a-f]{64}: team-signed: signatures: no signature from any of release: release: no cosign signature`));
    const w = await gate('warn');
    const aw = answer(await w.d.review(review), review);
    assert.equal(aw.allowed, true);
    assert.ok(aw.warnings!.some((x) => /^kubecomply: image-policy: .*team\/evil/.test(x)), JSON.stringify(aw.warnings));
  });

  test('unreachable and hanging registries fail closed; the hang is cut at the budget', async () => {
    const { d } = await gate('enforce', 300);
    let a = answer(await d.review(admissionReview({ operation: 'CREATE', object: pod('x', 'team-a', specWith([`127.0.0.1:1/team/app:1.0`])) })));
    assert.equal(a.allowed, false);
    assert.match(a.status!.message, /registry: cannot verify: .*(refused|ECONNREFUSED).*onRegistryError: deny/);
    a = answer(await d.review(admissionReview({ operation: 'CREATE', object: pod('y', 'team-a', specWith([`127.0.0.1:${hangPort}/team/app:1.0`])) })));
    assert.equal(a.allowed, false);
    assert.match(a.status!.message, /registry: cannot verify: .*(abort|timed out|timeout)/i);
  });

  test('images no policy governs are answered synchronously, without the registry', async () => {
    const { verifier, d } = await gate();
    const r = d.review(admissionReview({ operation: 'CREATE', object: pod('plain', 'team-a', COMPLIANT_POD_SPEC) }));
    assert.ok(!(r instanceof Promise), 'no promise: nothing to wait for');
    assert.equal(answer(r).allowed, true);
    assert.equal(verifier.verifications, 0);
  });

  test('kubecomply serve --image-policy: the same answers over HTTPS', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--address', '127.0.0.1', '--port', '0', '--self-signed', '--no-config', '--image-policy', policyFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(err);
          if (m) {
            clearInterval(t);
            resolve(Number(m[1]));
          }
          if (child.exitCode !== null) {
            clearInterval(t);
            reject(new Error(err));
          }
        }, 50);
      });
      assert.match(err, /1 image policy \(budget 5000 ms\)/);
      const ca = readFileSync(/wrote a throwaway CA to (\S+)/.exec(err)![1]!, 'utf8');
      const ok = JSON.parse((await postReview(port, ca, admissionReview({ operation: 'CREATE', object: pod('good', 'team-a', specWith([signed])) }))).body);
      assert.equal(ok.response.allowed, true, JSON.stringify(ok));
      const bad = JSON.parse((await postReview(port, ca, admissionReview({ operation: 'CREATE', object: pod('bad', 'team-a', specWith([unsigned])) }))).body);
      assert.equal(bad.response.allowed, false);
      assert.match(bad.response.status.message, /image-policy: .*team\/evil/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
