/**
 * The one in-memory SBOM model every reader produces and every writer consumes.
 *
 * It holds what survives a CycloneDX ↔ SPDX round trip — components, versions, purls, licenses,
 * hashes, the dependency graph — plus where each component came from (image layer, product layer).
 * Format-specific extras that have no counterpart are kept in `properties` so nothing is silently lost.
 */

/** Hash algorithm names as CycloneDX spells them (SPDX writers map to `SHA256` etc.). */
export type HashAlg =
  | 'MD5'
  | 'SHA-1'
  | 'SHA-256'
  | 'SHA-384'
  | 'SHA-512'
  | 'SHA3-256'
  | 'SHA3-384'
  | 'SHA3-512'
  | 'BLAKE2b-256'
  | 'BLAKE2b-384'
  | 'BLAKE2b-512'
  | 'BLAKE3';

export interface Hash {
  alg: HashAlg;
  /** Lower-case hex. */
  content: string;
}

/** One license statement: an SPDX id, a free-text name, or a whole SPDX expression. */
export type License = { id: string } | { name: string } | { expression: string };

export interface Property {
  name: string;
  value: string;
}

export type ComponentType =
  | 'application'
  | 'framework'
  | 'library'
  | 'container'
  | 'platform'
  | 'operating-system'
  | 'device'
  | 'device-driver'
  | 'firmware'
  | 'file'
  | 'machine-learning-model'
  | 'data'
  | 'cryptographic-asset';

export interface Component {
  /** Unique within the document: CycloneDX bom-ref, SPDX SPDXID. */
  ref: string;
  type: ComponentType;
  name: string;
  version?: string;
  /** CycloneDX group (Maven groupId, npm scope without '@'). */
  group?: string;
  purl?: string;
  cpe?: string;
  supplier?: string;
  description?: string;
  licenses: License[];
  hashes: Hash[];
  /**
   * Extras. Well-known names written by kubecomply:
   * - `kubecomply:layer` — the product layer (os, kubernetes, platform …) the component belongs to (merge);
   * - `kubecomply:image:layer` — digest of the image layer the package was found in (generate);
   * - `kubecomply:location` — the file it was read from inside the image.
   */
  properties: Property[];
  /** Nested components (CycloneDX `components` inside a component; the merge's per-layer parents). */
  components?: Component[];
}

export interface Dependency {
  ref: string;
  dependsOn: string[];
}

export interface Sbom {
  /** What it was read from; writers ignore it. */
  source?: { format: 'cyclonedx' | 'spdx'; specVersion: string; encoding: 'json' | 'xml' | 'tag-value' | 'json-ld' };
  /** CycloneDX serialNumber (urn:uuid:…) or SPDX documentNamespace. */
  serialNumber?: string;
  /** Document name (SPDX name; CycloneDX metadata.component.name when absent). */
  name?: string;
  /** ISO 8601 creation time. */
  created?: string;
  /** Tools that produced it, as "name version" strings. */
  tools: string[];
  /** Authors / creators (people or organisations). */
  authors: string[];
  /** The thing the SBOM describes (CycloneDX metadata.component, SPDX documentDescribes). Not in `components`. */
  subject?: Component;
  components: Component[];
  dependencies: Dependency[];
  /** Document-level extras (CycloneDX metadata.properties). */
  properties: Property[];
}

/** Every component, depth first, nested ones included (the subject is not). */
export function* allComponents(sbom: Pick<Sbom, 'components'>): Generator<Component> {
  const stack = [...sbom.components].reverse();
  while (stack.length > 0) {
    const c = stack.pop()!;
    yield c;
    if (c.components) for (let i = c.components.length - 1; i >= 0; i--) stack.push(c.components[i]!);
  }
}

export function property(c: { properties: Property[] }, name: string): string | undefined {
  return c.properties.find((p) => p.name === name)?.value;
}

export function emptySbom(): Sbom {
  return { tools: [], authors: [], components: [], dependencies: [], properties: [] };
}

/** Raised by readers: names the file and, where it can, the line and the JSON/XML path. */
export class SbomError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly path?: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${path ? `${path}: ` : ''}${message}`);
    this.name = 'SbomError';
  }
}
