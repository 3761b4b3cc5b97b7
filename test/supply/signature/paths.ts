// Locations of the shared fixtures (../shared from the repository root), resolved from this file.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SIGSTORE = path.resolve(here, '../../../../shared/fixtures/sigstore');
export const CONFORMANCE = path.join(SIGSTORE, 'sigstore+sigstore-conformance/test/assets/bundle-verify');
export const COSIGN = path.join(SIGSTORE, 'sigstore+cosign');
export const SIGSTORE_JS = path.join(SIGSTORE, 'sigstore+sigstore-js/tests/bundles');
export const SIGSTORE_PY = path.join(SIGSTORE, 'sigstore+sigstore-python/test/assets');
export const SIGSTORE_GO = path.join(SIGSTORE, 'sigstore+sigstore-go/examples');
export const SLSA_VERIFIER = path.join(SIGSTORE, 'slsa-framework+slsa-verifier');
export const IN_TOTO = path.join(SIGSTORE, 'in-toto+attestation/extracted/spec');

export const read = (...p: string[]): Buffer => readFileSync(path.join(...p));
export const readJson = (...p: string[]): unknown => JSON.parse(read(...p).toString('utf8'));

/**
 * The Sigstore public-good production trusted root as the conformance suite sees it. The suite fetches it with
 * TUF; offline, its own export (trust-root-tlog-validity-end-inclusive, which adds an `end` to the
 * rekor.sigstore.dev key) is used with that one edit reverted — sigstore-go's public-good copy confirms that
 * key has no end. That export, unlike sigstore-go's older copy, has the timestamp.sigstore.dev TSA and the
 * log2025-1 shard that recent bundles need.
 */
export function productionRootJson(): Record<string, unknown> {
  const root = readJson(CONFORMANCE, 'trust-root-tlog-validity-end-inclusive', 'trusted_root.json') as {
    tlogs: { baseUrl: string; publicKey: { validFor: { start: string; end?: string | null } } }[];
  };
  for (const t of root.tlogs) if (t.baseUrl === 'https://rekor.sigstore.dev') delete t.publicKey.validFor.end;
  return root as unknown as Record<string, unknown>;
}
