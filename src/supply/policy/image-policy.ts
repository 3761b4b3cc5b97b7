/**
 * ImagePolicy documents: which images must be signed by whom, carry which attestations, be pinned by digest, be
 * built on approved base images, and stay under a vulnerability severity — the policy `kubecomply scan
 * --verify-images`, `kubecomply verify --policy` and the admission webhook all evaluate (evaluate.ts).
 *
 *   apiVersion: kubecomply.io/v1alpha1
 *   kind: ImagePolicy
 *   metadata: { name: platform-images }
 *   spec:
 *     images: ["registry.acme.example/platform/**"]   # globs on registry/repository: * within a segment, ** across
 *     requirePinnedDigest: true
 *     signatures:
 *       anyOf:                                        # or allOf
 *         - name: release-key
 *           key: keys/cosign.pub                      # a PEM file (relative to this file) or the PEM itself
 *         - name: ci
 *           keyless:
 *             identity: https://github.com/acme/platform/.github/workflows/release.yml@refs/heads/main   # or identityRegexp
 *             issuer: https://token.actions.githubusercontent.com                                     # or issuerRegexp
 *             trustedRoot: trusted_root.json          # Sigstore TrustedRoot JSON (offline); SCTs are required when it lists CT logs
 *     attestations:
 *       - predicateType: slsaprovenance1              # or a predicate type URI
 *         conditions:
 *           - { field: builderId, in: ["https://github.com/actions/runner"] }
 *           - { field: sourceRepository, matches: "^https://github.com/acme/" }
 *     requireSbom: true                               # an SPDX or CycloneDX attestation must exist
 *     maxSeverity: high                               # judged from the attested SBOM and the local vulnerability index
 *     approvedBaseImages: ["docker.io/library/debian", "cgr.dev/chainguard/**"]
 *     onRegistryError: deny                           # the registry cannot be reached: deny (default) or allow
 *
 * Documents are read through the same loader as manifests (positions for errors); every problem names the file,
 * the line and what was expected, and a policy with a problem is not used (an image it would govern is denied
 * rather than waved through).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import { parseImageReference, type ImageReference } from '../../core/image-reference.js';
import { isObject } from '../../core/inventory.js';
import { locateFields } from '../../core/locations.js';
import type { Diagnostic, Resource } from '../../core/types.js';
import { COSIGN_CUSTOM_V1 } from '../signature/predicates.js';
import type { VulnSeverity } from '../vuln/types.js';

export const IMAGE_POLICY_API_VERSION = 'kubecomply.io/v1alpha1';
export const IMAGE_POLICY_KIND = 'ImagePolicy';

export interface KeyAuthority {
  kind: 'key';
  name: string;
  /** SPKI PEM of the public key. */
  pem: string;
  /** Where it was read from (for messages). */
  source: string;
}

export interface KeylessAuthority {
  kind: 'keyless';
  name: string;
  identity?: string;
  identityRegexp?: RegExp;
  issuer?: string;
  issuerRegexp?: RegExp;
  /** Absolute path of the Sigstore TrustedRoot JSON. */
  trustedRoot: string;
}

export type Authority = KeyAuthority | KeylessAuthority;

export type ConditionOp = 'equals' | 'in' | 'matches';

export interface Condition {
  /** A field of the attestation's typed summary (builderId, buildType, sourceRepository, sourceRevision …) or a dotted path into the predicate (predicate.…). */
  field: string;
  op: ConditionOp;
  values: string[];
  regexp?: RegExp;
}

export interface AttestationRequirement {
  /** As written. */
  type: string;
  /** The predicate type URIs that satisfy it. */
  predicateTypes: string[];
  conditions: Condition[];
  /** Authorities that must have signed it (default: the policy's signature authorities). */
  authorities?: Authority[];
}

export interface ImagePolicy {
  name: string;
  file: string;
  line: number;
  images: string[];
  requirePinnedDigest: boolean;
  signatures?: { mode: 'anyOf' | 'allOf'; authorities: Authority[] };
  attestations: AttestationRequirement[];
  requireSbom: boolean;
  maxSeverity?: VulnSeverity;
  approvedBaseImages?: string[];
  onRegistryError: 'deny' | 'allow';
}

/**
 * Predicate type names as cosign's `--type` spells them, and the URIs behind them. Versions the fixtures hold are
 * accepted for each (e.g. SPDX 2.3 and 3 documents under ../shared/fixtures/sigstore).
 */
export const PREDICATE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  slsaprovenance: ['https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v0.1', 'https://slsa.dev/provenance/v1'],
  slsaprovenance02: ['https://slsa.dev/provenance/v0.2'],
  slsaprovenance1: ['https://slsa.dev/provenance/v1'],
  spdx: ['https://spdx.dev/Document', 'https://spdx.dev/Document/v2.3', 'https://spdx.dev/Document/v3'],
  spdxjson: ['https://spdx.dev/Document', 'https://spdx.dev/Document/v2.3', 'https://spdx.dev/Document/v3'],
  cyclonedx: ['https://cyclonedx.org/bom', 'https://cyclonedx.org/schema'],
  vuln: ['https://cosign.sigstore.dev/attestation/vuln/v1'],
  link: ['https://in-toto.io/Link/v1'],
  custom: [COSIGN_CUSTOM_V1],
};

export const SBOM_PREDICATE_TYPES = [...PREDICATE_ALIASES.spdx!, ...PREDICATE_ALIASES.cyclonedx!];

/** Whether `uri` names an SBOM predicate (versioned CycloneDX URIs such as https://cyclonedx.org/bom/v1.5 included). */
export function isSbomPredicate(uri: string): boolean {
  return SBOM_PREDICATE_TYPES.some((t) => uri === t || uri.startsWith(`${t}/`));
}

/**
 * The predicate type URIs a type name stands for: an alias's (the first is what cosign writes), or a URI
 * as given; undefined for anything else, such as a misspelt alias.
 */
export function predicateTypesFor(type: string): string[] | undefined {
  const alias = PREDICATE_ALIASES[type.toLowerCase()];
  if (alias) return [...alias];
  return /^[a-z][a-z0-9+.-]*:/i.test(type) ? [type] : undefined;
}

/** How a predicate type may be written (for messages). */
export const PREDICATE_TYPE_HELP = `a predicate type URI or one of ${Object.keys(PREDICATE_ALIASES).join(', ')}`;

const SEVERITIES: readonly VulnSeverity[] = ['none', 'low', 'medium', 'high', 'critical'];

const compiled = new Map<string, RegExp>();

/**
 * `*` matches within one path segment, `**` across segments. Compiled once per glob: the webhook asks for every
 * image of every request (bench:verify, warm 10-container pods: p99 3.6 → 2.3 ms with the cache).
 */
export function globToRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (!re) {
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(glob, (re = compileGlob(glob)));
  }
  return re;
}

function compileGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** registry/repository of a reference, as globs see it (docker.io/library/nginx). */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Normalises a glob's registry part like references are normalised (nginx → docker.io/library/nginx). */
function normaliseGlob(g: string): string {
  if (g.includes('*') || g.includes('?')) {
    const first = g.split('/')[0]!;
    if (g.split('/').length === 1 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && !first.includes('*'))) return `docker.io/${g.includes('/') ? g : `library/${g}`}`;
    return g;
  }
  const p = parseImageReference(g);
  return p.ok ? repositoryOf(p.ref) : g;
}

export function policyApplies(p: ImagePolicy, ref: ImageReference): boolean {
  const repo = repositoryOf(ref);
  return p.images.some((g) => globToRegExp(g).test(repo));
}

interface Ctx {
  r: Resource;
  problems: { field: string; message: string }[];
  dir: string;
}

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

function strings(c: Ctx, v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
    c.problems.push({ field, message: 'expected a list of non-empty strings' });
    return undefined;
  }
  return v as string[];
}

function regexp(c: Ctx, v: unknown, field: string): RegExp | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') {
    c.problems.push({ field, message: 'expected a regular expression (string)' });
    return undefined;
  }
  try {
    return new RegExp(v);
  } catch (e) {
    c.problems.push({ field, message: `not a valid regular expression: ${(e as Error).message}` });
    return undefined;
  }
}

function authority(c: Ctx, v: unknown, field: string, i: number): Authority | undefined {
  if (!isObject(v)) {
    c.problems.push({ field, message: 'expected an authority: { key: … } or { keyless: { … } }' });
    return undefined;
  }
  const name = str(v.name) ?? `authority-${i + 1}`;
  if (v.key !== undefined && v.keyless !== undefined) {
    c.problems.push({ field, message: 'an authority is either key or keyless, not both' });
    return undefined;
  }
  if (v.key !== undefined) {
    const k = str(v.key);
    if (!k) {
      c.problems.push({ field: `${field}.key`, message: 'expected a PEM public key, or the path of a PEM file' });
      return undefined;
    }
    let pem = k;
    let source = `${field}.key`;
    if (!k.includes('-----BEGIN')) {
      const file = path.resolve(c.dir, k);
      try {
        pem = readFileSync(file, 'utf8');
        source = file;
      } catch (e) {
        c.problems.push({ field: `${field}.key`, message: `cannot read the key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
        return undefined;
      }
    }
    try {
      const spki = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
      return { kind: 'key', name, pem: spki, source };
    } catch (e) {
      c.problems.push({ field: `${field}.key`, message: `not a public key in PEM: ${(e as Error).message}` });
      return undefined;
    }
  }
  if (v.keyless !== undefined) {
    const k = v.keyless;
    const f = `${field}.keyless`;
    if (!isObject(k)) {
      c.problems.push({ field: f, message: 'expected { identity | identityRegexp, issuer | issuerRegexp, trustedRoot }' });
      return undefined;
    }
    const a: KeylessAuthority = { kind: 'keyless', name, trustedRoot: '' };
    const identity = str(k.identity);
    const idRe = regexp(c, k.identityRegexp, `${f}.identityRegexp`);
    const issuer = str(k.issuer);
    const isRe = regexp(c, k.issuerRegexp, `${f}.issuerRegexp`);
    if (identity) a.identity = identity;
    if (idRe) a.identityRegexp = idRe;
    if (issuer) a.issuer = issuer;
    if (isRe) a.issuerRegexp = isRe;
    // Like cosign: a keyless identity without both parts would accept any signer of the public Fulcio.
    if (!identity && !idRe && k.identityRegexp === undefined) c.problems.push({ field: `${f}.identity`, message: 'required: identity or identityRegexp (the certificate SAN to accept)' });
    if (!issuer && !isRe && k.issuerRegexp === undefined) c.problems.push({ field: `${f}.issuer`, message: 'required: issuer or issuerRegexp (the OIDC issuer to accept)' });
    const root = str(k.trustedRoot);
    if (!root) c.problems.push({ field: `${f}.trustedRoot`, message: 'required: the Sigstore trusted root JSON file (verification is offline)' });
    else {
      a.trustedRoot = path.resolve(c.dir, root);
      try {
        readFileSync(a.trustedRoot);
      } catch (e) {
        c.problems.push({ field: `${f}.trustedRoot`, message: `cannot read ${a.trustedRoot}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      }
    }
    return a;
  }
  c.problems.push({ field, message: 'expected key or keyless' });
  return undefined;
}

function authorities(c: Ctx, v: unknown, field: string): Authority[] {
  if (!Array.isArray(v) || v.length === 0) {
    c.problems.push({ field, message: 'expected a non-empty list of authorities' });
    return [];
  }
  const out = v.map((x, i) => authority(c, x, `${field}[${i}]`, i));
  // Verdicts and allOf count authorities by name: two of one name would make one stand in for the other.
  const seen = new Set<string>();
  out.forEach((a, i) => {
    if (!a) return;
    if (seen.has(a.name)) c.problems.push({ field: `${field}[${i}].name`, message: `duplicate authority name "${a.name}": give each authority its own name` });
    seen.add(a.name);
  });
  return out.filter((x): x is Authority => x !== undefined);
}

function conditions(c: Ctx, v: unknown, field: string): Condition[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    c.problems.push({ field, message: 'expected a list of { field, equals | in | matches }' });
    return [];
  }
  const out: Condition[] = [];
  v.forEach((x, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(x) || typeof x.field !== 'string' || x.field === '') {
      c.problems.push({ field: f, message: 'expected { field: <name>, equals | in | matches: … }' });
      return;
    }
    const ops = (['equals', 'in', 'matches'] as const).filter((o) => x[o] !== undefined);
    if (ops.length !== 1) {
      c.problems.push({ field: f, message: 'exactly one of equals, in, matches' });
      return;
    }
    const op = ops[0]!;
    if (op === 'equals') {
      const s = str(x.equals);
      if (s === undefined) c.problems.push({ field: `${f}.equals`, message: 'expected a string' });
      else out.push({ field: x.field, op, values: [s] });
    } else if (op === 'in') {
      const l = strings(c, x.in, `${f}.in`);
      if (l) out.push({ field: x.field, op, values: l });
    } else {
      const re = regexp(c, x.matches, `${f}.matches`);
      if (re) out.push({ field: x.field, op, values: [String(x.matches)], regexp: re });
    }
  });
  return out;
}

function parseOne(r: Resource): { policy?: ImagePolicy; problems: Ctx['problems'] } {
  const c: Ctx = { r, problems: [], dir: path.dirname(path.resolve(r.origin.stream?.file ?? r.origin.file)) };
  const spec = r.object.spec;
  if (!isObject(spec)) return { problems: [{ field: 'spec', message: 'required: the policy' }] };
  const images = strings(c, spec.images, 'spec.images');
  if (!images || images.length === 0) c.problems.push({ field: 'spec.images', message: 'required: globs of the registry/repository names the policy governs, e.g. "registry.acme.example/**"' });
  const p: ImagePolicy = {
    name: r.name,
    file: r.origin.file,
    line: r.origin.line,
    images: (images ?? []).map(normaliseGlob),
    requirePinnedDigest: spec.requirePinnedDigest === true,
    attestations: [],
    requireSbom: spec.requireSbom === true,
    onRegistryError: 'deny',
  };
  for (const b of ['requirePinnedDigest', 'requireSbom'] as const) if (spec[b] !== undefined && typeof spec[b] !== 'boolean') c.problems.push({ field: `spec.${b}`, message: 'expected true or false' });
  if (spec.signatures !== undefined) {
    const s = spec.signatures;
    if (!isObject(s) || (s.anyOf === undefined) === (s.allOf === undefined)) c.problems.push({ field: 'spec.signatures', message: 'expected exactly one of anyOf or allOf: a list of authorities' });
    else {
      const mode = s.anyOf !== undefined ? 'anyOf' : 'allOf';
      p.signatures = { mode, authorities: authorities(c, s[mode], `spec.signatures.${mode}`) };
    }
  }
  if (spec.attestations !== undefined) {
    if (!Array.isArray(spec.attestations)) c.problems.push({ field: 'spec.attestations', message: 'expected a list of { predicateType, conditions }' });
    else
      spec.attestations.forEach((a, i) => {
        const f = `spec.attestations[${i}]`;
        if (!isObject(a) || typeof a.predicateType !== 'string' || a.predicateType === '') {
          c.problems.push({ field: `${f}.predicateType`, message: `required: ${PREDICATE_TYPE_HELP}` });
          return;
        }
        const predicateTypes = predicateTypesFor(a.predicateType);
        if (!predicateTypes) {
          c.problems.push({ field: `${f}.predicateType`, message: `unknown predicate type "${a.predicateType}": expected ${PREDICATE_TYPE_HELP}` });
          return;
        }
        const req: AttestationRequirement = { type: a.predicateType, predicateTypes, conditions: conditions(c, a.conditions, `${f}.conditions`) };
        if (a.authorities !== undefined) req.authorities = authorities(c, a.authorities, `${f}.authorities`);
        p.attestations.push(req);
      });
  }
  if ((p.attestations.some((a) => !a.authorities) || p.requireSbom || spec.maxSeverity !== undefined) && !p.signatures) {
    c.problems.push({ field: 'spec.signatures', message: 'required when attestations, requireSbom or maxSeverity are: attestations are only trusted when signed by these authorities' });
  }
  if (spec.maxSeverity !== undefined) {
    const s = str(spec.maxSeverity);
    if (!s || !SEVERITIES.includes(s as VulnSeverity)) c.problems.push({ field: 'spec.maxSeverity', message: `expected one of ${SEVERITIES.join(', ')}` });
    else p.maxSeverity = s as VulnSeverity;
  }
  const base = strings(c, spec.approvedBaseImages, 'spec.approvedBaseImages');
  if (base) p.approvedBaseImages = base.map(normaliseGlob);
  if (spec.onRegistryError !== undefined) {
    if (spec.onRegistryError !== 'deny' && spec.onRegistryError !== 'allow') c.problems.push({ field: 'spec.onRegistryError', message: 'expected deny or allow' });
    else p.onRegistryError = spec.onRegistryError;
  }
  for (const k of Object.keys(spec)) {
    if (!['images', 'requirePinnedDigest', 'signatures', 'attestations', 'requireSbom', 'maxSeverity', 'approvedBaseImages', 'onRegistryError'].includes(k)) c.problems.push({ field: `spec.${k}`, message: 'unknown field' });
  }
  return { ...(c.problems.length === 0 ? { policy: p } : {}), problems: c.problems };
}

export function isImagePolicyDocument(r: { apiVersion: string; kind: string }): boolean {
  return r.kind === IMAGE_POLICY_KIND && r.apiVersion === IMAGE_POLICY_API_VERSION;
}

/**
 * ImagePolicy documents among `resources` (others are ignored). A policy with a problem is reported (an error
 * naming file, line and field) and also returned in `invalid`, so that callers deny the images it names rather than
 * silently not enforcing it.
 */
export function parseImagePolicies(resources: readonly Resource[]): { policies: ImagePolicy[]; invalid: { name: string; file: string; line: number; images: string[] }[]; diagnostics: Diagnostic[] } {
  const policies: ImagePolicy[] = [];
  const invalid: { name: string; file: string; line: number; images: string[] }[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const r of resources) {
    if (!isImagePolicyDocument(r)) continue;
    const { policy, problems } = parseOne(r);
    if (policy) {
      policies.push(policy);
      continue;
    }
    const positions = locateFields(r, problems.map((p) => p.field));
    problems.forEach((p, i) => {
      diagnostics.push({ level: 'error', code: 'image-policy', file: r.origin.file, line: positions[i]!.line, column: positions[i]!.column, message: `ImagePolicy "${r.name}": ${p.field}: ${p.message}` });
    });
    const spec = isObject(r.object.spec) ? r.object.spec : {};
    invalid.push({ name: r.name, file: r.origin.file, line: r.origin.line, images: (Array.isArray(spec.images) ? spec.images.filter((x): x is string => typeof x === 'string') : ['**']).map(normaliseGlob) });
  }
  return { policies, invalid, diagnostics };
}
