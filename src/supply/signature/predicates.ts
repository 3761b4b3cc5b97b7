/**
 * Predicates understood into typed summaries, so image policy can ask "which builder, from which source
 * repository at which revision", "is there an SBOM", "what did the scanner find" without walking raw JSON.
 * Unknown predicate types are kept as 'other' with the raw predicate; they are not an error.
 */
import type { Statement } from './intoto.js';

export const SLSA_PROVENANCE_V01 = 'https://slsa.dev/provenance/v0.1';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const COSIGN_VULN_V1 = 'https://cosign.sigstore.dev/attestation/vuln/v1';
export const COSIGN_CUSTOM_V1 = 'https://cosign.sigstore.dev/attestation/v1';
/** cosign attest --type spdx / spdxjson / cyclonedx write these; versioned variants are also seen. */
export const SPDX_DOCUMENT = 'https://spdx.dev/Document';
export const CYCLONEDX_BOM = 'https://cyclonedx.org/bom';

export interface Material {
  uri: string | undefined;
  digest: Record<string, string>;
}

export interface ProvenanceSummary {
  kind: 'slsa-provenance';
  slsaVersion: '0.1' | '0.2' | '1';
  builderId: string | undefined;
  buildType: string | undefined;
  /** The source repository (as the provenance names it, e.g. git+https://github.com/o/r@refs/tags/v1). */
  sourceUri: string | undefined;
  /** The source revision: a commit digest (gitCommit / sha1) when present. */
  sourceRevision: string | undefined;
  entryPoint: string | undefined;
  materials: Material[];
  invocationId: string | undefined;
}

export interface SbomSummary {
  kind: 'sbom';
  format: 'spdx' | 'cyclonedx';
  specVersion: string | undefined;
  name: string | undefined;
  packageCount: number;
}

export interface VulnScanSummary {
  kind: 'vuln-scan';
  scannerUri: string | undefined;
  scannerVersion: string | undefined;
  dbUri: string | undefined;
  dbVersion: string | undefined;
  scanStartedOn: string | undefined;
  scanFinishedOn: string | undefined;
  /** The scanner's raw result (cosign leaves its schema to the scanner). */
  result: unknown;
}

export interface OtherSummary {
  kind: 'other';
  predicateType: string;
  predicate: unknown;
}

export type PredicateSummary = ProvenanceSummary | SbomSummary | VulnScanSummary | OtherSummary;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const digestMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
const revisionOf = (d: Record<string, string>): string | undefined => d.gitCommit ?? d.sha1 ?? d.sha256 ?? Object.values(d)[0];

function materialsOf(v: unknown): Material[] {
  return (Array.isArray(v) ? v : []).map((m) => ({ uri: str(obj(m).uri), digest: digestMap(obj(m).digest) }));
}

/** SLSA v0.1 (still what Google Cloud Build emits): recipe.definedInMaterial points at the source material. */
function provenanceV01(p: Obj): ProvenanceSummary {
  const recipe = obj(p.recipe);
  const materials = materialsOf(p.materials);
  const src = materials[typeof recipe.definedInMaterial === 'number' ? recipe.definedInMaterial : 0];
  return {
    kind: 'slsa-provenance',
    slsaVersion: '0.1',
    builderId: str(obj(p.builder).id),
    buildType: str(recipe.type),
    sourceUri: src?.uri,
    sourceRevision: src ? revisionOf(src.digest) : undefined,
    entryPoint: str(recipe.entryPoint),
    materials,
    invocationId: str(obj(p.metadata).buildInvocationId),
  };
}

function provenanceV02(p: Obj): ProvenanceSummary {
  const cs = obj(obj(p.invocation).configSource);
  const csDigest = digestMap(cs.digest);
  return {
    kind: 'slsa-provenance',
    slsaVersion: '0.2',
    builderId: str(obj(p.builder).id),
    buildType: str(p.buildType),
    sourceUri: str(cs.uri),
    sourceRevision: revisionOf(csDigest),
    entryPoint: str(cs.entryPoint),
    materials: materialsOf(p.materials),
    invocationId: str(obj(p.metadata).buildInvocationId),
  };
}

/**
 * SLSA v1 leaves the source to the build type: GitHub Actions workflows put it in
 * externalParameters.workflow.repository and list the checked-out commit in resolvedDependencies; other
 * builders use externalParameters.source. The first git dependency is taken as the source.
 */
function provenanceV1(p: Obj): ProvenanceSummary {
  const bd = obj(p.buildDefinition);
  const rd = obj(p.runDetails);
  const ext = obj(bd.externalParameters);
  const deps = materialsOf(bd.resolvedDependencies);
  const gitDep = deps.find((d) => d.uri?.startsWith('git+')) ?? deps.find((d) => 'gitCommit' in d.digest);
  const workflow = obj(ext.workflow);
  const source = ext.source;
  const sourceUri =
    gitDep?.uri ??
    str(workflow.repository) ??
    (typeof source === 'string' ? source : str(obj(source).uri)) ??
    str(ext.repository);
  return {
    kind: 'slsa-provenance',
    slsaVersion: '1',
    builderId: str(obj(rd.builder).id),
    buildType: str(bd.buildType),
    sourceUri,
    sourceRevision: gitDep ? revisionOf(gitDep.digest) : (revisionOf(digestMap(obj(source).digest)) ?? str(ext.revision)),
    entryPoint: str(workflow.path),
    materials: deps,
    invocationId: str(obj(rd.metadata).invocationId),
  };
}

function sbomSummary(format: 'spdx' | 'cyclonedx', p: Obj): SbomSummary {
  if (format === 'spdx') {
    return {
      kind: 'sbom',
      format,
      specVersion: str(p.spdxVersion) ?? str(obj(p['@context'])['@version']),
      name: str(p.name),
      packageCount: Array.isArray(p.packages) ? p.packages.length : Array.isArray(p['@graph']) ? p['@graph'].length : 0,
    };
  }
  return {
    kind: 'sbom',
    format,
    specVersion: str(p.specVersion),
    name: str(obj(obj(p.metadata).component).name),
    packageCount: Array.isArray(p.components) ? p.components.length : 0,
  };
}

function vulnSummary(p: Obj): VulnScanSummary {
  const scanner = obj(p.scanner);
  const db = obj(scanner.db);
  const md = obj(p.metadata);
  return {
    kind: 'vuln-scan',
    scannerUri: str(scanner.uri),
    scannerVersion: str(scanner.version),
    dbUri: str(db.uri),
    dbVersion: str(db.version),
    scanStartedOn: str(md.scanStartedOn),
    scanFinishedOn: str(md.scanFinishedOn),
    result: scanner.result ?? null,
  };
}

/** Which family a predicate type belongs to; versioned SPDX/CycloneDX URIs (…/v2.3, …/v1.5) included. */
export function predicateFamily(predicateType: string): 'slsa-v0.1' | 'slsa-v0.2' | 'slsa-v1' | 'spdx' | 'cyclonedx' | 'cosign-vuln' | 'other' {
  if (predicateType === SLSA_PROVENANCE_V01) return 'slsa-v0.1';
  if (predicateType === SLSA_PROVENANCE_V02) return 'slsa-v0.2';
  if (predicateType === SLSA_PROVENANCE_V1 || predicateType.startsWith(`${SLSA_PROVENANCE_V1}.`)) return 'slsa-v1';
  if (predicateType === SPDX_DOCUMENT || predicateType.startsWith(`${SPDX_DOCUMENT}/`) || predicateType === 'https://spdx.dev/spdx-document') return 'spdx';
  if (predicateType === CYCLONEDX_BOM || predicateType.startsWith(`${CYCLONEDX_BOM}/`)) return 'cyclonedx';
  if (predicateType === COSIGN_VULN_V1) return 'cosign-vuln';
  return 'other';
}

/**
 * cosign attest --type spdx stores the SBOM document itself as the predicate; some producers wrap it as a
 * JSON string. Both are accepted.
 */
function unwrapJson(p: unknown): Obj {
  if (typeof p === 'string') {
    try {
      return obj(JSON.parse(p));
    } catch {
      return {};
    }
  }
  return obj(p);
}

export function summarizePredicate(predicateType: string, predicate: unknown): PredicateSummary {
  switch (predicateFamily(predicateType)) {
    case 'slsa-v0.1':
      return provenanceV01(obj(predicate));
    case 'slsa-v0.2':
      return provenanceV02(obj(predicate));
    case 'slsa-v1':
      return provenanceV1(obj(predicate));
    case 'spdx':
      return sbomSummary('spdx', unwrapJson(predicate));
    case 'cyclonedx':
      return sbomSummary('cyclonedx', unwrapJson(predicate));
    case 'cosign-vuln':
      return vulnSummary(obj(predicate));
    default:
      return { kind: 'other', predicateType, predicate };
  }
}

export function summarizeStatement(st: Statement): PredicateSummary {
  return summarizePredicate(st.predicateType, st.predicate);
}
