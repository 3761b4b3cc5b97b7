import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RegistryClient } from '../../../src/supply/oci/index.js';
import { cleanup, tempDirectory } from '../../helpers/image.js';
import { pushTestImage, startRegistry } from '../../helpers/registry.js';
import { rejectsWith } from './helpers.js';

const dir = tempDirectory('kubecomply-oci-tls-');
after(() => cleanup(dir));


describe('TLS with a custom CA', async () => {
  const reg = await startRegistry({ tls: true });
  const repo = `${reg.host}/tls/app`;

  it('pushes and pulls over HTTPS when the CA is trusted (PEM text or a bundle file)', async () => {
    const client = new RegistryClient({ dockerConfig: false, ca: reg.ca! });
    const img = await pushTestImage(client, `${repo}:v1`);
    assert.equal((await client.getManifest(`${repo}:v1`)).digest, img.digest);
    const bundle = path.join(dir, 'ca-bundle.pem');
    writeFileSync(bundle, reg.ca!);
    const fromFile = new RegistryClient({ dockerConfig: false, caFile: bundle });
    assert.deepEqual(await fromFile.readBlob(repo, img.layers[0]!.digest), img.layers[0]!.blob);
  });

  it('fails without the CA, and never falls back to plain HTTP on a certificate error (even on loopback)', async () => {
    const client = new RegistryClient({ dockerConfig: false, retries: 2, backoffMs: 5 });
    const e = await rejectsWith(client.getManifest(`${repo}:v1`), 'network', new RegExp(`registry ${reg.host}: GET manifest tls/app:v1: TLS certificate not trusted \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE`));
    assert.equal(e.attempts, 1, 'a certificate failure is not retried');
  });
});

describe('plain HTTP', async () => {
  const reg = await startRegistry();

  it('is used for loopback registries that do not speak TLS', async () => {
    const client = new RegistryClient({ dockerConfig: false });
    const img = await pushTestImage(client, `${reg.host}/plain/app:v1`);
    assert.equal((await client.headManifest(`${reg.host}/plain/app:v1`))?.digest, img.digest);
    assert.equal((await client.headManifest(`localhost:${reg.port}/plain/app:v1`))?.digest, img.digest);
  });

  // 0.0.0.0 reaches the loopback listener on Linux but is not a loopback name: it stands in for a
  // remote registry without TLS.
  const remoteLike = `0.0.0.0:${reg.port}`;
  it('is refused for other registries unless they are listed as insecure', async () => {
    const strict = new RegistryClient({ dockerConfig: false, retries: 0 });
    await rejectsWith(strict.listTags(`${remoteLike}/plain/app`), 'network', new RegExp(`registry ${remoteLike.replace(/\./g, '\\.')}: GET tags plain/app: TLS handshake failed`));
    const lenient = new RegistryClient({ dockerConfig: false, insecureRegistries: [remoteLike] });
    assert.deepEqual(await lenient.listTags(`${remoteLike}/plain/app`), ['v1']);
  });
});
