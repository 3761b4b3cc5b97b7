/**
 * Evaluating ImagePolicy documents against images in a registry: resolve the reference to a digest, fetch cosign's
 * signature and attestation manifests (`sha256-<hex>.sig` / `.att`), verify them against the policy's authorities
 * (src/supply/signature), and judge every requirement — pinned digest, signatures (any-of / all-of), attestations
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
import { parseImageReference, type ImageReference } from '../../controls/images/reference.js';
import type { RegistryClient } from '../oci/client.js';
import { RegistryError } from '../oci/errors.js';
import { cosignTag } from '../oci/index.js';
import type { ImageManifest } from '../oci/media-types.js';
import { parseSbom } from '../sbom/read.js';
import {
  DSSE_ENVELOPE_MEDIA_TYPE,
  loadPublicKey,
  loadTrustedRoot,
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifyCosignAttestation,
  verifyCosignSignature,
  type CosignVerifyOptions,
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
  now?: () => number;
}

const SEVERITY_RANK: Record<VulnSeverity, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };

interface Material {
  signatures: { payload: Buffer; annotations: Record<string, string>; layerDigest: string }[];
  attestations: { envelope: Buffer; annotations: Record<string, string>; layerDigest: string }[];
  manifest?: ImageManifest;
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
      if (verdict.warnings.length === 0 && !verdict.failures.some((f) => f.requirement === 'registry')) this.verdicts.set(key, { at: this.now(), verdict });
    }
    const all = [...failures, ...verdict.failures];
    return { ...verdict, image, failures: all, allowed: all.length === 0 };
  }

  private async resolveTag(ref: ImageReference, signal?: AbortSignal): Promise<string> {
    const k = `${ref.name}:${ref.tag ?? 'latest'}`;
    const hit = this.tags.get(k);
    if (hit && this.now() - hit.at < (this.opts.tagTtlMs ?? 30_000)) return hit.digest;
    const h = await this.opts.client.headManifest(`${ref.name}:${ref.tag ?? 'latest'}`, signal ? { signal } : {});
    if (!h) throw new RegistryError({ kind: 'not-found', registry: ref.domain, operation: `resolve ${ref.name}:${ref.tag ?? 'latest'}` }, 'no such manifest');
    this.tags.set(k, { at: this.now(), digest: h.digest });
    return h.digest;
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

  private async fetchMaterial(ref: ImageReference, digest: string, needManifest: boolean, signal?: AbortSignal): Promise<Material> {
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
    const [sig, att, manifest] = await Promise.all([
      layersOf('sig'),
      layersOf('att'),
      needManifest ? c.getManifest(`${ref.name}@${digest}`, o).then((m) => m.json as ImageManifest) : Promise.resolve(undefined),
    ]);
    return {
      signatures: sig.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).map((l) => ({ payload: l.bytes, annotations: l.annotations, layerDigest: l.digest })),
      attestations: att.filter((l) => l.mediaType === DSSE_ENVELOPE_MEDIA_TYPE).map((l) => ({ envelope: l.bytes, annotations: l.annotations, layerDigest: l.digest })),
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
      identity: { ...(a.identity ? { subject: a.identity } : {}), ...(a.identityRegexp ? { subjectRegExp: a.identityRegexp } : {}), ...(a.issuer ? { issuer: a.issuer } : {}), ...(a.issuerRegexp ? { issuerRegExp: a.issuerRegexp } : {}) },
    };
  }

  private async verifyDigest(ref: ImageReference, digest: string, policies: ImagePolicy[], signal?: AbortSignal): Promise<ImageVerdict> {
    this.verifications++;
    const names = policies.map((p) => p.name);
    const needManifest = policies.some((p) => p.approvedBaseImages);
    let m: Material;
    try {
      m = await this.fetchMaterial(ref, digest, needManifest, signal);
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
          let done = false;
          for (const l of m.signatures) {
            const r = verifyCosignSignature(l, opts);
            if (r.ok) {
              ok.push(a.name);
              const k = `${a.name}\u0000${l.layerDigest}`;
              if (!seenSig.has(k)) {
                seenSig.add(k);
                signatures.push(evidenceOf(a.name, r.value));
              }
              done = true;
              break;
            }
            why.push(`${a.name}: ${r.reason}: ${r.message}`);
          }
          if (!done && m.signatures.length === 0) why.push(`${a.name}: no cosign signature (${cosignTag(digest, 'sig')})`);
        }
        const need = p.signatures.mode === 'anyOf' ? ok.length > 0 : ok.length === p.signatures.authorities.length;
        if (!need) {
          const missing = p.signatures.authorities.filter((a) => !ok.includes(a.name)).map((a) => a.name);
          failures.push({ policy: p.name, requirement: 'signatures', message: `${p.signatures.mode === 'anyOf' ? 'no signature from any of' : 'missing signatures from'} ${missing.join(', ')}: ${[...new Set(why)].join('; ')}` });
        }
      }
      // Attestations: every envelope verified against the authorities that may sign it.
      const verifiedFor = (auths: readonly Authority[]): (AttestationEvidence & { predicate: unknown })[] => {
        const out: (AttestationEvidence & { predicate: unknown })[] = [];
        for (const l of m.attestations) {
          for (const a of auths) {
            let opts: CosignVerifyOptions;
            try {
              opts = this.verifyOptions(a, digest);
            } catch {
              continue;
            }
            const r = verifyCosignAttestation(l, opts);
            if (!r.ok) continue;
            const ev = { ...evidenceOf(a.name, r.value), predicateType: r.value.predicateType, summary: r.value.summary, predicate: r.value.statement.predicate };
            out.push(ev);
            const k = `${a.name}\u0000${l.layerDigest}`;
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
      const verified = m.attestations.length > 0 ? verifiedFor(policyAuths) : [];
      for (const req of p.attestations) {
        const pool = req.authorities ? verifiedFor(req.authorities) : verified;
        const typed = pool.filter((a) => req.predicateTypes.includes(a.predicateType));
        if (typed.length === 0) {
          const present = m.attestations.map((l) => l.annotations.predicateType).filter(Boolean);
          failures.push({ policy: p.name, requirement: `attestations[${req.type}]`, message: `no verified ${req.type} attestation (${m.attestations.length === 0 ? `no attestations at ${cosignTag(digest, 'att')}` : `present: ${present.join(', ') || 'none typed'}; ${pool.length} verified`})` });
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
      if (p.requireSbom && sboms.length === 0) failures.push({ policy: p.name, requirement: 'requireSbom', message: 'no verified SBOM attestation (SPDX or CycloneDX)' });
      if (p.maxSeverity) {
        const f = this.judgeSeverity(p, sboms);
        if (f) failures.push(f);
      }
      if (p.approvedBaseImages) {
        const bases = this.baseImages(m.manifest, verified);
        const approved = p.approvedBaseImages.map(globToRegExp);
        if (bases.length === 0) failures.push({ policy: p.name, requirement: 'approvedBaseImages', message: 'cannot tell the base image: no org.opencontainers.image.base.name annotation and no provenance material naming an image' });
        else if (!bases.some((b) => approved.some((re) => re.test(b)))) failures.push({ policy: p.name, requirement: 'approvedBaseImages', message: `base image ${bases.join(', ')} is not approved (${p.approvedBaseImages.join(', ')})` });
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

  /** The base image: the OCI annotation, else provenance materials that name an image (docker/oci purls or references). */
  private baseImages(manifest: ImageManifest | undefined, verified: readonly AttestationEvidence[]): string[] {
    const out: string[] = [];
    const add = (s: string | undefined): void => {
      if (!s) return;
      const p = parseImageReference(s.replace(/^pkg:(docker|oci)\//, '').replace(/^docker:\/\//, ''));
      if (p.ok) out.push(repositoryOf(p.ref));
    };
    add(manifest?.annotations?.['org.opencontainers.image.base.name']);
    for (const a of verified) {
      if (a.summary.kind !== 'slsa-provenance') continue;
      for (const mat of a.summary.materials) if (mat.uri && /^(pkg:(docker|oci)\/|docker:\/\/|[a-z0-9.-]+(:\d+)?\/)/.test(mat.uri) && !/^(git\+|https?:)/.test(mat.uri)) add(mat.uri);
    }
    return [...new Set(out)];
  }
}
