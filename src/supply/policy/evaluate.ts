/**
 * Evaluating ImagePolicy documents against images in a registry: resolve the reference to a digest, fetch cosign's
 * signature and attestation manifests (`sha256-<hex>.sig` / `.att`) and the Sigstore bundles attached to the digest as
 * OCI referrers (cosign v3: the referrers API, or its `sha256-<hex>` tag-schema fallback), verify them against the
 * policy's authorities (src/supply/signature), and judge every requirement — pinned digest, signatures (any-of / all-of), attestations
 * with conditions on their content, an attested SBOM, a maximum vulnerability severity (the attested SBOM against the
 * local index), approved base images.
 *
 * The same ImageVerifier serves `kubecomply verify --policy`, `kubecomply scan --verify-images` and the admission
 * webhook. It is built for the webhook: verdicts are cached by digest (one verification per image, however many
 * containers or requests name it), concurrent requests for one image share one verification, tag → digest answers
 * are cached briefly, and a whole evaluation runs under a caller's AbortSignal (the time budget). Registry trouble is
 * decided by the policy's `onRegistryError` (deny by default: fail closed).
 */
import { readFileSync } from 'node:fs';
import { parseImageReference, type ImageReference } from '../../core/image-reference.js';
import type { RegistryClient } from '../oci/client.js';
import { RegistryError } from '../oci/errors.js';
import { cosignTag } from '../oci/index.js';
import type { ImageManifest } from '../oci/media-types.js';
import { parseSbom } from '../sbom/read.js';
import {
  BUNDLE_V03_MEDIA_TYPE,
  COSIGN_SIGN_PREDICATE_V1,
  DSSE_ENVELOPE_MEDIA_TYPE,
  loadPublicKey,
  loadTrustedRoot,
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifyCosignAttestation,
  verifyCosignSignature,
  verifyImageBundle,
  type AttestationVerifyOptions,
  type CosignVerifyOptions,
  type Outcome,
  type PublicKeyInfo,
  type TrustedRootInfo,
  type VerifiedAttestation,
  type VerifiedSigner,
} from '../signature/index.js';
import type { VulnDb } from '../vuln/db.js';
import { matchTargets } from '../vuln/targets.js';
import type { VulnSeverity } from '../vuln/types.js';
import { globToRegExp, isSbomPredicate, policyApplies, repositoryOf, type Authority, type Condition, type ImagePolicy } from './image-policy.js';

export interface SignatureEvidence {
  authority: string;
  mode: 'key' | 'certificate';
  keyFingerprint: string;
  identity?: string;
  issuer?: string;
  rekorLogIndex?: number;
  integratedTime?: string;
}

export interface AttestationEvidence extends SignatureEvidence {
  predicateType: string;
  summary: VerifiedAttestation['summary'];
}

export interface PolicyFailure {
  policy: string;
  requirement: string;
  message: string;
}

export interface ImageVerdict {
  /** The reference as given. */
  image: string;
  /** The manifest digest verified (absent when it could not be resolved). */
  digest?: string;
  allowed: boolean;
  /** Policies that govern the image (none: not governed, allowed). */
  policies: string[];
  failures: PolicyFailure[];
  /** What held, for the output. */
  signatures: SignatureEvidence[];
  attestations: AttestationEvidence[];
  /** Allowed although the registry could not be reached (onRegistryError: allow). */
  warnings: string[];
  /** Served from the cache. */
  cached: boolean;
}

export interface VerifierOptions {
  policies: readonly ImagePolicy[];
  /** Policies that could not be read: images they name are denied. */
  invalid?: readonly { name: string; images: readonly string[] }[];
  client: RegistryClient;
  /** The vulnerability index for maxSeverity (opened lazily; undefined when there is none). */
  vulnDb?: () => VulnDb | undefined;
  /** How long a verdict stays cached (default 5 minutes; signatures can be added or revoked meanwhile). */
  verdictTtlMs?: number;
  /** How long a tag → digest answer stays cached (default 30 s). */
  tagTtlMs?: number;
  /** Most verdicts kept (default 10,000; the oldest go first). */
  maxCachedVerdicts?: number;
  now?: () => number;
}

const SEVERITY_RANK: Record<VulnSeverity, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** A Sigstore bundle attached to the image as a referrer. */
interface ReferrerBundle {
  bytes: Buffer;
  /** The referrer manifest's digest (where the bundle is, for messages and de-duplication). */
  manifestDigest: string;
  /** The in-toto predicate type the bundle's statement claims (unauthenticated until verified), if it has one. */
  predicateType?: string;
  /** `publicKey.hint` of a key-signed bundle (unauthenticated). */
  keyHint?: string;
  /** What the verification material is: a key (hint) or a certificate (chain). */
  signedBy?: 'key' | 'certificate';
}

interface Material {
  signatures: { payload: Buffer; annotations: Record<string, string>; layerDigest: string }[];
  attestations: { envelope: Buffer; annotations: Record<string, string>; layerDigest: string }[];
  /** Referrer bundles that are cosign v3 signatures (predicate https://sigstore.dev/cosign/sign/v1). */
  signatureBundles: ReferrerBundle[];
  /** Referrer bundles that are attestations (any other predicate type). */
  attestationBundles: ReferrerBundle[];
  manifest?: ImageManifest;
}

/** Sigstore bundle media types as artifact types and layer types (v0.3 and the older parameterised spelling). */
function isBundleType(t: string | undefined): boolean {
  return t !== undefined && (t === BUNDLE_V03_MEDIA_TYPE || t.startsWith('application/vnd.dev.sigstore.bundle'));
}

/** What a bundle claims about itself before verification: the statement's predicate type and the key hint. */
function peekBundle(bytes: Buffer): Pick<ReferrerBundle, 'predicateType' | 'keyHint' | 'signedBy'> {
  try {
    const b = JSON.parse(bytes.toString('utf8')) as { dsseEnvelope?: { payload?: string }; verificationMaterial?: { publicKey?: { hint?: string }; certificate?: unknown; x509CertificateChain?: unknown } };
    const out: Pick<ReferrerBundle, 'predicateType' | 'keyHint' | 'signedBy'> = {};
    const vm = b.verificationMaterial;
    if (vm?.publicKey) out.signedBy = 'key';
    else if (vm?.certificate || vm?.x509CertificateChain) out.signedBy = 'certificate';
    const hint = vm?.publicKey?.hint;
    if (typeof hint === 'string' && hint !== '') out.keyHint = hint;
    if (typeof b.dsseEnvelope?.payload === 'string') {
      const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8')) as { predicateType?: unknown };
      if (typeof st.predicateType === 'string') out.predicateType = st.predicateType;
    }
    return out;
  } catch {
    return {};
  }
}

/** The registry/repository an image-naming provenance material refers to: docker/oci purls, docker://, references. */
export function materialImage(uri: string): string | undefined {
  let s = uri.trim();
  const purl = /^pkg:(docker|oci)\/([^@?#]+)(?:@([^?#]+))?(?:\?([^#]*))?/.exec(s);
  if (purl) {
    const [, type, name, version, query] = purl;
    const repoUrl = new URLSearchParams(query ?? '').get('repository_url')?.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
    const n = decodeURIComponent(name!);
    // pkg:oci's repository_url is the whole repository; pkg:docker's is the registry (and namespace) the name is under.
    const base = type === 'oci' ? (repoUrl ?? n) : repoUrl ? `${repoUrl}/${n}` : n;
    const v = version ? decodeURIComponent(version) : undefined;
    s = v ? (/^[a-z0-9]+:[a-f0-9]+$/i.test(v) ? `${base}@${v}` : `${base}:${v}`) : base;
  } else if (s.startsWith('docker://')) s = s.slice('docker://'.length);
  else if (!/^[a-z0-9.-]+(:\d+)?\//i.test(s) || /^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return undefined; // git+https://…, https://…: not an image
  const p = parseImageReference(s);
  return p.ok ? repositoryOf(p.ref) : undefined;
}

/** The first value at a dotted path (predicate.builder.id) of a JSON value. */
function atPath(v: unknown, path: string): unknown {
  let cur = v;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(seg)] : (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Condition fields: the summary's names (sourceRepository = sourceUri), or predicate.<path> into the raw predicate. */
function conditionValue(a: AttestationEvidence & { predicate: unknown }, field: string): string | undefined {
  const s = a.summary as unknown as Record<string, unknown>;
  const f = field === 'sourceRepository' ? 'sourceUri' : field;
  const v = field.startsWith('predicate.') ? atPath(a.predicate, field.slice('predicate.'.length)) : s[f];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function conditionHolds(c: Condition, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (c.op === 'equals') return value === c.values[0];
  if (c.op === 'in') return c.values.includes(value);
  return c.regexp!.test(value);
}

function describeCondition(c: Condition): string {
  return c.op === 'matches' ? `${c.field} matches /${c.values[0]}/` : c.op === 'in' ? `${c.field} in [${c.values.join(', ')}]` : `${c.field} = ${c.values[0]}`;
}

/**
 * A verification whose input came from a registry: anything it throws that is not a SignatureError (a TypeError from a
 * malformed or unexpected artifact) is a failure of that artifact, never of the whole verification.
 */
function safely<T>(run: () => Outcome<T>): Outcome<T> {
  try {
    return run();
  } catch (e) {
    return { ok: false, reason: 'invalid-bundle', message: `cannot verify: ${(e as Error).message}` };
  }
}

/** A flagless RegExp as its source, so that mismatch messages read /re/ rather than //re//. */
function reText(re: RegExp): string | RegExp {
  // RegExp#source escapes every "/" ("^https:\/\/…"); unescaped they mean the same and read as written.
  return re.flags ? re : re.source.replace(/(?<!\\)((?:\\\\)*)\\\//g, '$1/');
}

function evidenceOf(authority: string, v: VerifiedSigner): SignatureEvidence {
  const e: SignatureEvidence = { authority, mode: v.mode, keyFingerprint: v.keyFingerprint };
  if (v.certificate?.subject) e.identity = v.certificate.subject;
  if (v.certificate?.issuer) e.issuer = v.certificate.issuer;
  const t = v.tlog[0];
  if (t) {
    const x = t as unknown as { logIndex?: number | string; integratedTime?: string | number | Date };
    if (x.logIndex !== undefined) e.rekorLogIndex = Number(x.logIndex);
    if (x.integratedTime !== undefined) e.integratedTime = x.integratedTime instanceof Date ? x.integratedTime.toISOString() : typeof x.integratedTime === 'number' ? new Date(x.integratedTime * 1000).toISOString() : String(x.integratedTime);
  }
  return e;
}

export class ImageVerifier {
  private readonly verdicts = new Map<string, { at: number; verdict: ImageVerdict }>();
  private readonly inflight = new Map<string, Promise<ImageVerdict>>();
  private readonly tags = new Map<string, { at: number; digest: string }>();
  private readonly tagInflight = new Map<string, Promise<string>>();
  private readonly keys = new Map<string, PublicKeyInfo>();
  private readonly roots = new Map<string, TrustedRootInfo>();
  private readonly now: () => number;
  /** Verifications actually run (not cached), for tests and the benchmark. */
  verifications = 0;

  constructor(private readonly opts: VerifierOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Policies governing `ref` (parsed), and the unreadable ones that would. */
  governing(ref: ImageReference): { policies: ImagePolicy[]; invalid: string[] } {
    const repo = repositoryOf(ref);
    return {
      policies: this.opts.policies.filter((p) => policyApplies(p, ref)),
      invalid: (this.opts.invalid ?? []).filter((p) => p.images.some((g) => globToRegExp(g).test(repo))).map((p) => p.name),
    };
  }

  /** Verifies each distinct image once; the map is keyed by the references as given. */
  async verifyAll(images: readonly string[], signal?: AbortSignal): Promise<Map<string, ImageVerdict>> {
    const distinct = [...new Set(images)];
    const out = await Promise.all(distinct.map((i) => this.verify(i, signal)));
    return new Map(distinct.map((i, k) => [i, out[k]!]));
  }

  async verify(image: string, signal?: AbortSignal): Promise<ImageVerdict> {
    const base = (extra: Partial<ImageVerdict>): ImageVerdict => ({ image, allowed: true, policies: [], failures: [], signatures: [], attestations: [], warnings: [], cached: false, ...extra });
    const parsed = parseImageReference(image);
    if (!parsed.ok) return base({ allowed: false, failures: [{ policy: '-', requirement: 'reference', message: `not a valid image reference: ${parsed.error}` }] });
    const ref = parsed.ref;
    const { policies, invalid } = this.governing(ref);
    if (invalid.length > 0) {
      return base({ allowed: false, policies: [...policies.map((p) => p.name), ...invalid], failures: invalid.map((n) => ({ policy: n, requirement: 'policy', message: `ImagePolicy "${n}" could not be read (see its errors); images it names are denied` })) });
    }
    if (policies.length === 0) return base({});
    const names = policies.map((p) => p.name);
    const failures: PolicyFailure[] = [];
    for (const p of policies) if (p.requirePinnedDigest && !ref.digest) failures.push({ policy: p.name, requirement: 'requirePinnedDigest', message: `${image} is not pinned by digest (use ${ref.name}@sha256:…)` });

    let digest: string;
    try {
      digest = ref.digest ?? (await this.resolveTag(ref, signal));
    } catch (e) {
      return this.registryTrouble(image, names, policies, failures, e);
    }
    const key = `${digest}\u0000${names.join('\u0000')}`;
    const hit = this.verdicts.get(key);
    const ttl = this.opts.verdictTtlMs ?? 300_000;
    let verdict: ImageVerdict;
    if (hit && this.now() - hit.at < ttl) verdict = { ...hit.verdict, cached: true };
    else {
      let p = this.inflight.get(key);
      if (!p) {
        p = this.verifyDigest(ref, digest, policies, signal).finally(() => this.inflight.delete(key));
        this.inflight.set(key, p);
      }
      verdict = await p;
      // A verdict decided by registry trouble is not worth remembering: the next request tries again.
      if (verdict.warnings.length === 0 && !verdict.failures.some((f) => f.requirement === 'registry')) this.remember(key, verdict);
    }
    const all = [...failures, ...verdict.failures];
    return { ...verdict, image, failures: all, allowed: all.length === 0 };
  }

  /** Keeps a verdict, dropping the oldest beyond the bound (a webhook sees an unbounded stream of images). */
  private remember(key: string, verdict: ImageVerdict): void {
    this.verdicts.delete(key);
    this.verdicts.set(key, { at: this.now(), verdict });
    const max = this.opts.maxCachedVerdicts ?? 10_000;
    for (const k of this.verdicts.keys()) {
      if (this.verdicts.size <= max) break;
      this.verdicts.delete(k);
    }
  }

  /** tag → digest, cached for the tag TTL; concurrent requests for one tag share one HEAD. */
  private async resolveTag(ref: ImageReference, signal?: AbortSignal): Promise<string> {
    const k = `${ref.name}:${ref.tag ?? 'latest'}`;
    const hit = this.tags.get(k);
    if (hit && this.now() - hit.at < (this.opts.tagTtlMs ?? 30_000)) return hit.digest;
    let p = this.tagInflight.get(k);
    if (!p) {
      p = (async () => {
        const digest = await this.opts.client.resolveDigest(k, signal ? { signal } : {});
        this.tags.set(k, { at: this.now(), digest });
        return digest;
      })().finally(() => this.tagInflight.delete(k));
      this.tagInflight.set(k, p);
    }
    return p;
  }

  private registryTrouble(image: string, names: string[], policies: ImagePolicy[], failures: PolicyFailure[], e: unknown, digest?: string): ImageVerdict {
    const msg = e instanceof Error ? e.message : String(e);
    const verdict: ImageVerdict = { image, ...(digest ? { digest } : {}), allowed: false, policies: names, failures: [...failures], signatures: [], attestations: [], warnings: [], cached: false };
    for (const p of policies) {
      if (p.onRegistryError === 'allow') verdict.warnings.push(`${p.name}: registry unreachable, allowed by onRegistryError: allow (${msg})`);
      else verdict.failures.push({ policy: p.name, requirement: 'registry', message: `cannot verify: ${msg} (onRegistryError: deny)` });
    }
    verdict.allowed = verdict.failures.length === 0;
    return verdict;
  }

  private async fetchMaterial(ref: ImageReference, digest: string, needManifest: boolean, needAttestations: boolean, signal?: AbortSignal): Promise<Material> {
    const o = signal ? { signal } : {};
    const c = this.opts.client;
    const layersOf = async (tag: 'sig' | 'att'): Promise<{ bytes: Buffer; annotations: Record<string, string>; mediaType: string; digest: string }[]> => {
      let m;
      try {
        m = await c.getManifest(`${ref.name}:${cosignTag(digest, tag)}`, o);
      } catch (e) {
        if (e instanceof RegistryError && e.kind === 'not-found') return [];
        throw e;
      }
      const layers = ((m.json as { layers?: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] }).layers ?? []).slice(0, 64);
      return Promise.all(layers.map(async (l) => ({ bytes: await c.readBlob(ref.name, l.digest, { size: l.size, ...o }), annotations: l.annotations ?? {}, mediaType: l.mediaType, digest: l.digest })));
    };
    // cosign v3: Sigstore bundles as referrers of the digest (the registry's referrers API or the tag schema).
    const bundles = async (): Promise<ReferrerBundle[]> => {
      const list = await c.listReferrers(ref.name, digest, o);
      const found = list.manifests.filter((d) => isBundleType(d.artifactType)).slice(0, 64);
      const out = await Promise.all(
        found.map(async (d) => {
          const m = await c.getManifest(`${ref.name}@${d.digest}`, o);
          const layers = ((m.json as { layers?: { mediaType: string; digest: string; size: number }[] }).layers ?? []).filter((l) => isBundleType(l.mediaType)).slice(0, 4);
          return Promise.all(layers.map(async (l) => {
            const bytes = await c.readBlob(ref.name, l.digest, { size: l.size, ...o });
            return { bytes, manifestDigest: d.digest, ...peekBundle(bytes) };
          }));
        }),
      );
      return out.flat();
    };
    const [sig, att, refs, manifest] = await Promise.all([
      layersOf('sig'),
      // A policy that asks for no attestation does not pay for fetching them.
      needAttestations ? layersOf('att') : Promise.resolve([]),
      bundles(),
      needManifest ? c.getManifest(`${ref.name}@${digest}`, o).then((m) => m.json as ImageManifest) : Promise.resolve(undefined),
    ]);
    return {
      signatures: sig.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).map((l) => ({ payload: l.bytes, annotations: l.annotations, layerDigest: l.digest })),
      attestations: att.filter((l) => l.mediaType === DSSE_ENVELOPE_MEDIA_TYPE).map((l) => ({ envelope: l.bytes, annotations: l.annotations, layerDigest: l.digest })),
      signatureBundles: refs.filter((b) => b.predicateType === COSIGN_SIGN_PREDICATE_V1),
      attestationBundles: refs.filter((b) => b.predicateType !== undefined && b.predicateType !== COSIGN_SIGN_PREDICATE_V1),
      ...(manifest ? { manifest } : {}),
    };
  }

  private verifyOptions(a: Authority, digest: string): CosignVerifyOptions {
    if (a.kind === 'key') {
      let k = this.keys.get(a.pem);
      if (!k) this.keys.set(a.pem, (k = loadPublicKey(a.pem)));
      return { imageDigest: digest, publicKey: k };
    }
    let root = this.roots.get(a.trustedRoot);
    if (!root) this.roots.set(a.trustedRoot, (root = loadTrustedRoot(readFileSync(a.trustedRoot))));
    return {
      imageDigest: digest,
      trustedRoot: root,
      // SCTs are required when the root names CT logs (public-good Fulcio); a private Sigstore whose root lists
      // none cannot produce them, and requiring one would make the authority unsatisfiable.
      ctlogThreshold: root.root.ctlogs.length > 0 ? 1 : 0,
      identity: { ...(a.identity ? { subject: a.identity } : {}), ...(a.identityRegexp ? { subjectRegExp: reText(a.identityRegexp) } : {}), ...(a.issuer ? { issuer: a.issuer } : {}), ...(a.issuerRegexp ? { issuerRegExp: reText(a.issuerRegexp) } : {}) },
    };
  }

  private async verifyDigest(ref: ImageReference, digest: string, policies: ImagePolicy[], signal?: AbortSignal): Promise<ImageVerdict> {
    this.verifications++;
    const names = policies.map((p) => p.name);
    const needManifest = policies.some((p) => p.approvedBaseImages);
    const needAttestations = policies.some((p) => p.attestations.length > 0 || p.requireSbom || p.maxSeverity !== undefined || p.approvedBaseImages !== undefined);
    let m: Material;
    try {
      m = await this.fetchMaterial(ref, digest, needManifest, needAttestations, signal);
    } catch (e) {
      return this.registryTrouble(ref.name, names, policies, [], e, digest);
    }
    const failures: PolicyFailure[] = [];
    const signatures: SignatureEvidence[] = [];
    const attestations: (AttestationEvidence & { predicate: unknown })[] = [];
    const seenSig = new Set<string>();
    const seenAtt = new Set<string>();
    for (const p of policies) {
      // Signatures: per authority, the first layer that verifies.
      if (p.signatures) {
        const ok: string[] = [];
        const why: string[] = [];
        for (const a of p.signatures.authorities) {
          let opts: CosignVerifyOptions;
          try {
            opts = this.verifyOptions(a, digest);
          } catch (e) {
            why.push(`${a.name}: ${(e as Error).message}`);
            continue;
          }
          // cosign's .sig layers first, then Sigstore bundles attached as referrers.
          const candidates: { where: string; verify: () => Outcome<VerifiedSigner> }[] = [
            ...m.signatures.map((l) => ({ where: `${cosignTag(digest, 'sig')} layer ${l.layerDigest.slice(0, 19)}`, verify: () => safely(() => verifyCosignSignature(l, opts)) })),
            ...m.signatureBundles.map((b) => ({ where: `bundle referrer ${b.manifestDigest.slice(0, 19)}`, verify: () => this.verifyBundle(a, b, opts) })),
          ];
          let done = false;
          for (const cand of candidates) {
            const r = cand.verify();
            if (r.ok) {
              ok.push(a.name);
              const k = `${a.name}\u0000${cand.where}`;
              if (!seenSig.has(k)) {
                seenSig.add(k);
                signatures.push(evidenceOf(a.name, r.value));
              }
              done = true;
              break;
            }
            why.push(`${a.name}: ${r.reason}: ${r.message} (${cand.where})`);
          }
          if (!done && candidates.length === 0) why.push(`${a.name}: no cosign signature (${cosignTag(digest, 'sig')}) and no Sigstore bundle referrer`);
        }
        const need = p.signatures.mode === 'anyOf' ? ok.length > 0 : ok.length === p.signatures.authorities.length;
        if (!need) {
          const missing = p.signatures.authorities.filter((a) => !ok.includes(a.name)).map((a) => a.name);
          failures.push({ policy: p.name, requirement: 'signatures', message: `${p.signatures.mode === 'anyOf' ? 'no signature from any of' : 'missing signatures from'} ${missing.join(', ')}: ${[...new Set(why)].join('; ')}` });
        }
      }
      // Attestations: every envelope verified against the authorities that may sign it.
      const envelopes: { where: string; verify: (opts: CosignVerifyOptions, a: Authority) => Outcome<VerifiedAttestation> }[] = [
        ...m.attestations.map((l) => ({ where: l.layerDigest, verify: (opts: CosignVerifyOptions) => safely(() => verifyCosignAttestation(l, opts)) })),
        ...m.attestationBundles.map((b) => ({ where: b.manifestDigest, verify: (opts: CosignVerifyOptions, a: Authority) => this.verifyBundle(a, b, { ...opts, predicateType: b.predicateType! }) })),
      ];
      const verifiedFor = (auths: readonly Authority[]): (AttestationEvidence & { predicate: unknown })[] => {
        const out: (AttestationEvidence & { predicate: unknown })[] = [];
        for (const env of envelopes) {
          for (const a of auths) {
            let opts: CosignVerifyOptions;
            try {
              opts = this.verifyOptions(a, digest);
            } catch {
              continue;
            }
            const r = env.verify(opts, a);
            if (!r.ok) continue;
            const ev = { ...evidenceOf(a.name, r.value), predicateType: r.value.predicateType, summary: r.value.summary, predicate: r.value.statement.predicate };
            out.push(ev);
            const k = `${a.name}\u0000${env.where}`;
            if (!seenAtt.has(k)) {
              seenAtt.add(k);
              attestations.push(ev);
            }
            break;
          }
        }
        return out;
      };
      const policyAuths = p.signatures?.authorities ?? [];
      const verified = envelopes.length > 0 ? verifiedFor(policyAuths) : [];
      for (const req of p.attestations) {
        const pool = req.authorities ? verifiedFor(req.authorities) : verified;
        const typed = pool.filter((a) => req.predicateTypes.includes(a.predicateType));
        if (typed.length === 0) {
          const present = [...m.attestations.map((l) => l.annotations.predicateType), ...m.attestationBundles.map((b) => b.predicateType)].filter(Boolean);
          failures.push({
            policy: p.name,
            requirement: `attestations[${req.type}]`,
            message: `no verified ${req.type} attestation (${envelopes.length === 0 ? `no attestations at ${cosignTag(digest, 'att')}` : `present: ${[...new Set(present)].join(', ') || 'none typed'}; ${pool.length} verified`})${envelopes.length > 0 && pool.length === 0 ? `: none is signed by ${(req.authorities ?? policyAuths).map((a) => a.name).join(', ') || 'an authority (the policy names none)'}` : ''}`,
          });
          continue;
        }
        const passing = typed.find((a) => req.conditions.every((c) => conditionHolds(c, conditionValue(a, c.field))));
        if (!passing) {
          const a = typed[0]!;
          const failed = req.conditions.filter((c) => !conditionHolds(c, conditionValue(a, c.field)));
          failures.push({ policy: p.name, requirement: `attestations[${req.type}]`, message: `condition failed: ${failed.map((c) => `${describeCondition(c)} (is ${conditionValue(a, c.field) ?? 'absent'})`).join('; ')}` });
        }
      }
      const sboms = verified.filter((a) => isSbomPredicate(a.predicateType));
      if (p.requireSbom && sboms.length === 0) {
        const unverified = [...m.attestations.map((l) => l.annotations.predicateType), ...m.attestationBundles.map((b) => b.predicateType)].filter((t): t is string => t !== undefined && isSbomPredicate(t));
        failures.push({ policy: p.name, requirement: 'requireSbom', message: `no verified SBOM attestation (SPDX or CycloneDX)${unverified.length > 0 ? `: ${unverified.length} SBOM attestation(s) present, none signed by ${policyAuths.map((a) => a.name).join(', ')}` : ''}` });
      }
      if (p.maxSeverity) {
        const f = this.judgeSeverity(p, sboms);
        if (f) failures.push(f);
      }
      if (p.approvedBaseImages) {
        const bases = this.baseImages(m.manifest, verified);
        const approved = p.approvedBaseImages.map(globToRegExp);
        if (bases.length === 0) {
          failures.push({ policy: p.name, requirement: 'approvedBaseImages', message: 'cannot tell the base image: no org.opencontainers.image.base.name annotation on the manifest and no verified provenance material naming an image' });
        } else if (!bases.some((b) => approved.some((re) => re.test(b.image)))) {
          failures.push({ policy: p.name, requirement: 'approvedBaseImages', message: `base image ${bases.map((b) => `${b.image} (${b.from})`).join(', ')} is not approved (approved: ${p.approvedBaseImages.join(', ')})` });
        }
      }
    }
    return { image: ref.name, digest, allowed: failures.length === 0, policies: names, failures, signatures, attestations: attestations.map(({ predicate: _p, ...a }) => a), warnings: [], cached: false };
  }

  private judgeSeverity(p: ImagePolicy, sboms: readonly (AttestationEvidence & { predicate: unknown })[]): PolicyFailure | undefined {
    const fail = (message: string): PolicyFailure => ({ policy: p.name, requirement: 'maxSeverity', message });
    if (sboms.length === 0) return fail('no verified SBOM attestation to judge vulnerabilities from');
    const db = this.opts.vulnDb?.();
    if (!db) return fail('no vulnerability index (run `kubecomply vuln db import`)');
    let worst: { severity: VulnSeverity; id: string; component: string } | undefined;
    for (const a of sboms) {
      let sbom;
      try {
        sbom = parseSbom(JSON.stringify(a.predicate), `attestation ${a.predicateType}`);
      } catch (e) {
        return fail(`the attested SBOM cannot be read: ${(e as Error).message}`);
      }
      for (const mt of db.match(matchTargets(sbom).targets)) {
        if (!worst || SEVERITY_RANK[mt.severity] > SEVERITY_RANK[worst.severity]) worst = { severity: mt.severity, id: mt.id, component: `${mt.component.name}@${mt.component.version}` };
      }
    }
    if (worst && SEVERITY_RANK[worst.severity] > SEVERITY_RANK[p.maxSeverity!]) return fail(`${worst.id} (${worst.severity}) in ${worst.component} exceeds ${p.maxSeverity}`);
    return undefined;
  }

  /** Base image candidates: the OCI annotation, and verified provenance materials that name an image (docker/oci purls or references). */
  private baseImages(manifest: ImageManifest | undefined, verified: readonly AttestationEvidence[]): { image: string; from: string }[] {
    const out = new Map<string, string>();
    const ann = manifest?.annotations?.['org.opencontainers.image.base.name'];
    if (ann) {
      const img = materialImage(ann.includes('/') || ann.startsWith('pkg:') || ann.startsWith('docker://') ? ann : `docker.io/library/${ann}`);
      if (img) out.set(img, 'annotation org.opencontainers.image.base.name');
    }
    for (const a of verified) {
      if (a.summary.kind !== 'slsa-provenance') continue;
      for (const mat of a.summary.materials) {
        const img = mat.uri ? materialImage(mat.uri) : undefined;
        if (img && !out.has(img)) out.set(img, `provenance material of ${a.authority}`);
      }
    }
    return [...out].map(([image, from]) => ({ image, from }));
  }

  /**
   * A referrer bundle against one authority. Key authorities: a key-signed bundle's `publicKey.hint` names the key it
   * claims; it is unauthenticated, so it only explains a failure (the signature is what decides).
   */
  private verifyBundle(a: Authority, b: ReferrerBundle, opts: CosignVerifyOptions & Pick<AttestationVerifyOptions, 'predicateType'>): Outcome<VerifiedAttestation> {
    // The mode is the authority's: a keyless bundle is no signature by a key (and a key-signed one none by a certificate).
    if (a.kind === 'key' && !b.keyHint && b.signedBy === 'certificate') return { ok: false, reason: 'wrong-key', message: 'the bundle is signed with a Fulcio certificate (keyless), not with a key' };
    if (a.kind === 'keyless' && b.signedBy === 'key') return { ok: false, reason: 'untrusted-chain', message: `the bundle is signed with a key${b.keyHint ? ` (hint ${b.keyHint})` : ''}, not with a certificate` };
    const r = safely(() => verifyImageBundle(b.bytes, opts));
    if (r.ok || a.kind !== 'key' || !b.keyHint || !opts.publicKey || b.keyHint === opts.publicKey.hint) return r;
    return { ...r, message: `${r.message} (the bundle names key hint ${b.keyHint}; ${a.name} is ${opts.publicKey.hint})` };
  }
}
