/**
 * Image hygiene: where images come from and whether a reference names exactly one image. Every
 * image a pod pulls is checked: init, regular and ephemeral containers, and image volumes
 * (`volumes[].image.reference`, Kubernetes 1.31+).
 */
import { settingsOf } from '../../config/defaults.js';
import { asArray, asObject, containersOf } from '../../core/podspec.js';
import type { Control, PodSpecRef, ScanConfig } from '../../core/types.js';
import { cpath, NONE, push, spath, who, workloadControl } from '../helpers.js';
import { defaultPullPolicy, parseImageReference, parseRegistryPattern, registryMatches, type ParsedImage, type RegistryPattern } from '../../core/image-reference.js';

const IMAGES_DOC = 'https://kubernetes.io/docs/concepts/containers/images/';
const PULL_POLICY_DOC = 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy';
const IMAGE_VOLUME_DOC = 'https://kubernetes.io/docs/concepts/storage/volumes/#image';
const REFERENCE_GRAMMAR = 'https://github.com/distribution/reference';

/** One image pulled by a pod spec. */
interface ImageUse {
  /** The image string as written. */
  image: string;
  parsed: ParsedImage;
  /** Full path of the image field. */
  path: string;
  /** "container \"api\"", "image volume \"models\"". */
  subject: string;
  /** The pull policy as written (may be anything). */
  pullPolicy: unknown;
  /** Full path of the pull policy field. */
  pullPolicyPath: string;
  pullPolicyField: string;
}

// Cached on the pod spec itself, not in a WeakMap: at admission every request makes short-lived pod specs,
// and WeakMap entries (ephemerons) make each young-generation GC copy and re-scan them.
const USES = Symbol('imageUses');
type WithUses = PodSpecRef & { [USES]?: ImageUse[] };

/** Every image of a pod spec whose reference is a non-empty string (nothing to judge otherwise). */
function imagesOf(ref: PodSpecRef): ImageUse[] {
  let out = (ref as WithUses)[USES];
  if (out) return out;
  out = [];
  for (const c of containersOf(ref)) {
    const image = c.container.image;
    if (typeof image !== 'string' || image.trim() === '') continue;
    out.push({
      image,
      parsed: parseImageReference(image),
      path: cpath(c, 'image'),
      subject: who(c),
      pullPolicy: c.container.imagePullPolicy,
      pullPolicyPath: cpath(c, 'imagePullPolicy'),
      pullPolicyField: 'imagePullPolicy',
    });
  }
  const vols = asArray(ref.spec.volumes);
  for (let i = 0; i < vols.length; i++) {
    const v = asObject(vols[i]);
    const src = asObject(v?.image);
    if (!v || !src) continue;
    const image = src.reference;
    if (typeof image !== 'string' || image.trim() === '') continue;
    out.push({
      image,
      parsed: parseImageReference(image),
      path: spath(ref, `volumes[${i}].image.reference`),
      subject: `image volume ${JSON.stringify(typeof v.name === 'string' ? v.name : String(i))}`,
      pullPolicy: src.pullPolicy,
      pullPolicyPath: spath(ref, `volumes[${i}].image.pullPolicy`),
      pullPolicyField: 'pullPolicy',
    });
  }
  (ref as WithUses)[USES] = out;
  return out;
}

const q = JSON.stringify;

export const imageLatestTag: Control = workloadControl(
  {
    id: 'image-latest-tag',
    title: 'Image uses the "latest" tag or no tag',
    severity: 'medium',
    family: 'images',
    description:
      'Every image (init, regular and ephemeral containers, image volumes) must name a specific version: a tag other than "latest", or a digest. An image with neither tag nor digest means "latest". References that also carry a digest pass (the runtime pulls by digest). References that cannot be parsed are left to image-not-pinned-by-digest.',
    rationale:
      '"latest" names whatever was pushed last: two nodes can run different code under the same spec, a rollback cannot return to a known version, and a compromised or broken push reaches production on the next pod restart without any change to the manifest.',
    remediation:
      'Use an explicit version tag, ideally pinned by digest:\n```yaml\ncontainers:\n- name: api\n  image: registry.example.com/shop/api:2.4.1@sha256:<digest>\n```',
    references: [IMAGES_DOC, PULL_POLICY_DOC],
    mappings: { nsa: ['P3'], nist80190: ['4.2.2', '4.1.5'], mitre: ['T1525'], cra: ['I.2(f)'], stride: ['T'] },
  },
  (ref) => {
    let out = NONE;
    for (const u of imagesOf(ref)) {
      if (!u.parsed.ok || u.parsed.ref.digest !== undefined) continue;
      const tag = u.parsed.ref.tag;
      if (tag === undefined) out = push(out, u.path, `${u.subject} uses image ${q(u.image)} without a tag or digest, which means "latest"`);
      else if (tag === 'latest') out = push(out, u.path, `${u.subject} uses image ${q(u.image)} with the mutable tag "latest"`);
    }
    return out;
  },
);

export const imageNotPinnedByDigest: Control = workloadControl(
  {
    id: 'image-not-pinned-by-digest',
    title: 'Image not pinned by digest',
    severity: 'low',
    family: 'images',
    description:
      'Every image (init, regular and ephemeral containers, image volumes) must be referenced by digest (`name@sha256:…`, optionally with a tag for readability). An image reference that is not valid at all is reported too.',
    rationale:
      'Tags are mutable: whoever can push to the repository can change what a tag points to, and nodes pull the new content on the next start. A digest names exactly one image, so what was reviewed and scanned is what runs.',
    remediation:
      'Resolve the tag to its digest at build or release time (e.g. `crane digest`, `docker buildx imagetools inspect`) and deploy the digest:\n```yaml\ncontainers:\n- name: api\n  image: registry.example.com/shop/api:2.4.1@sha256:<digest>\n```',
    references: [IMAGES_DOC, REFERENCE_GRAMMAR],
    mappings: { nist80190: ['4.1.5'], mitre: ['T1525'], cra: ['I.2(f)'], stride: ['T'] },
  },
  (ref) => {
    let out = NONE;
    for (const u of imagesOf(ref)) {
      if (!u.parsed.ok) out = push(out, u.path, `${u.subject} image ${q(u.image)} is not a valid image reference (${u.parsed.error})`);
      else if (u.parsed.ref.digest === undefined) out = push(out, u.path, `${u.subject} image ${q(u.image)} is not pinned by digest`);
    }
    return out;
  },
);

// The allow-list is parsed once per settings object.
const patternCache = new WeakMap<readonly string[], RegistryPattern[]>();

function allowedPatterns(config: ScanConfig): RegistryPattern[] {
  const list = settingsOf(config).images?.allowedRegistries;
  if (!Array.isArray(list)) return [];
  let p = patternCache.get(list);
  if (!p) {
    p = [];
    for (const e of list) {
      if (typeof e !== 'string') continue;
      const pat = parseRegistryPattern(e);
      if (pat) p.push(pat);
    }
    patternCache.set(list, p);
  }
  return p;
}

export const imageRegistryNotAllowed: Control = workloadControl(
  {
    id: 'image-registry-not-allowed',
    title: 'Image from a registry that is not allowed',
    severity: 'high',
    family: 'images',
    description:
      'Every image (init, regular and ephemeral containers, image volumes) must come from a registry in settings `images.allowedRegistries`. An entry is a registry host (`registry.example.com`, `localhost:5000`) or a host with a repository prefix (`ghcr.io/acme`), matched on `/` boundaries; hosts compare case-insensitively and the port is part of the host. Images written without a registry are on Docker Hub (`docker.io`, official images under `docker.io/library`). Image references that cannot be parsed fail. Active only when the list is not empty.',
    rationale:
      'Images from unvetted registries bypass the scanning, signing and provenance checks of the approved supply chain; typo-squatted and look-alike public images are a common way to get malicious code into a cluster.',
    remediation:
      'Mirror the image into an approved registry and reference it there, or add the registry to the allow-list after review:\n```yaml\n# kubecomply.yaml\nimages:\n  allowedRegistries:\n  - registry.example.com\n  - ghcr.io/acme\n```',
    references: [IMAGES_DOC, REFERENCE_GRAMMAR, 'https://kubernetes.io/docs/concepts/security/security-checklist/'],
    mappings: {
      nsa: ['P3'],
      nist80190: ['4.1.5'],
      mitre: ['T1204', 'T1204.003', 'T1525'],
      soc2: ['CC6.8'],
      hipaa: ['164.308(a)(5)(ii)(B)'],
      cra: ['I.2(f)'],
      stride: ['T', 'S'],
    },
    isActive: (config) => allowedPatterns(config).length > 0,
  },
  (ref, _r, ctx) => {
    const patterns = allowedPatterns(ctx.config);
    if (patterns.length === 0) return NONE;
    let out = NONE;
    for (const u of imagesOf(ref)) {
      if (!u.parsed.ok) {
        out = push(out, u.path, `${u.subject} image ${q(u.image)} is not a valid image reference, so its registry cannot be verified (${u.parsed.error})`);
        continue;
      }
      const ir = u.parsed.ref;
      if (patterns.some((p) => registryMatches(ir, p))) continue;
      out = push(out, u.path, `${u.subject} image ${q(u.image)} comes from ${q(ir.name)}, which is not in the allowed registries`);
    }
    return out;
  },
);

const PULL_POLICIES: ReadonlySet<string> = new Set(['Always', 'IfNotPresent', 'Never']);

export const imagePullPolicyMutableTag: Control = workloadControl(
  {
    id: 'image-pull-policy-mutable-tag',
    title: 'Mutable image tag without imagePullPolicy Always',
    severity: 'low',
    family: 'images',
    description:
      'An image referenced by a tag (no digest) must be pulled with imagePullPolicy (image volumes: pullPolicy) Always. When the field is absent the API server defaults it to Always for "latest" or no tag, and to IfNotPresent otherwise, so `app:1.2` without a policy fails. Digest references pass; unparsable references are left to image-not-pinned-by-digest.',
    rationale:
      'With IfNotPresent or Never a node keeps running whatever it pulled under that tag before: after a tag is moved (a fix, or a malicious push) different nodes run different images under the same spec, and a stale, vulnerable image can stay in production indefinitely.',
    remediation:
      'Pin the image by digest (preferred), or pull the tag on every start:\n```yaml\ncontainers:\n- name: api\n  image: registry.example.com/shop/api:2.4.1\n  imagePullPolicy: Always\n```\nCluster-wide, the AlwaysPullImages admission plugin forces Always.',
    references: [PULL_POLICY_DOC, IMAGE_VOLUME_DOC, 'https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#alwayspullimages'],
    mappings: { nist80190: ['4.2.2'], stride: ['T'] },
  },
  (ref) => {
    let out = NONE;
    for (const u of imagesOf(ref)) {
      if (!u.parsed.ok || u.parsed.ref.digest !== undefined) continue;
      const written = u.pullPolicy;
      const absent = written === undefined || written === null || written === '';
      if (absent) {
        const def = defaultPullPolicy(u.parsed);
        if (def !== 'Always') {
          out = push(out, u.pullPolicyPath, `${u.subject} image ${q(u.image)} uses a mutable tag and ${u.pullPolicyField} defaults to ${def}; set Always or pin a digest`);
        }
        continue;
      }
      if (written === 'Always') continue;
      const shown = typeof written === 'string' ? written : q(written);
      const note = typeof written === 'string' && PULL_POLICIES.has(written) ? '' : ' (not a valid pull policy)';
      out = push(out, u.pullPolicyPath, `${u.subject} image ${q(u.image)} uses a mutable tag with ${u.pullPolicyField} ${shown}${note}; set Always or pin a digest`);
    }
    return out;
  },
);

export const IMAGE_CONTROLS: readonly Control[] = [imageLatestTag, imageNotPinnedByDigest, imageRegistryNotAllowed, imagePullPolicyMutableTag];

