/**
 * Writing the model: CycloneDX 1.6 JSON, SPDX 2.3 JSON, SPDX 2.3 tag-value.
 *
 * Output is deterministic when `now` is given: the timestamp is `now` (or the SBOM's own creation time), and the
 * CycloneDX serialNumber / SPDX documentNamespace are the SBOM's own or derived from its content and `now`.
 * `serialNumber` / `namespace` pin them explicitly.
 */
import type { Sbom } from './model.js';
import { writeCycloneDxJson } from './cyclonedx.js';
import { writeSpdxJson, writeSpdxTagValue } from './spdx.js';

export type SbomFormat = 'cyclonedx-json' | 'spdx-json' | 'spdx-tag-value';

export const SBOM_FORMATS: readonly SbomFormat[] = ['cyclonedx-json', 'spdx-json', 'spdx-tag-value'];

export interface WriteOptions {
  /** Creation time to record when the SBOM has none, and the seed of derived identifiers. */
  now?: Date;
  /** CycloneDX serialNumber (urn:uuid:… or a bare UUID). */
  serialNumber?: string;
  /** SPDX documentNamespace. */
  namespace?: string;
}

export function writeSbom(sbom: Sbom, format: SbomFormat, opts: WriteOptions = {}): string {
  switch (format) {
    case 'cyclonedx-json':
      return writeCycloneDxJson(sbom, {
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.serialNumber ? { serialNumber: opts.serialNumber } : {}),
      });
    case 'spdx-json':
      return writeSpdxJson(sbom, { ...(opts.now ? { now: opts.now } : {}), ...(opts.namespace ? { namespace: opts.namespace } : {}) });
    case 'spdx-tag-value':
      return writeSpdxTagValue(sbom, { ...(opts.now ? { now: opts.now } : {}), ...(opts.namespace ? { namespace: opts.namespace } : {}) });
    default: {
      const never: never = format;
      throw new Error(`unknown SBOM format ${String(never)}`);
    }
  }
}
