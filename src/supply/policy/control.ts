/**
 * The image policy as a scan control (`kubecomply scan --verify-images --image-policy FILE`): the same ImageVerifier
 * as `kubecomply verify` and the admission webhook, so a scan in CI and the webhook give the same answer for the
 * same image. Verification needs the registry, so it is not part of the built-in catalog: the control is added to a
 * scan only when asked for, and its verdicts are fetched before the checks run (ScanOptions.prepare) — every
 * distinct image of the input once.
 *
 * Mappings are those of the catalog's other image-trust controls (controls/images, cluster/image-provenance).
 */
import { extractPodSpecs } from '../../core/inventory.js';
import { containerImages } from '../../core/podspec.js';
import type { Control, Resource, Violation } from '../../core/types.js';
import type { ImageVerdict, ImageVerifier } from './evaluate.js';

export const IMAGE_POLICY_CONTROL_ID = 'image-policy-verified';

/** A resource's container images, with the path of each image field. */
const imagesOf = (r: Resource): { image: string; path: string }[] => containerImages(r.podSpecs ?? extractPodSpecs(r));

export function imagePolicyControl(verifier: ImageVerifier, opts: { budgetMs?: number } = {}): { control: Control; prepare(resources: readonly Resource[]): Promise<void> } {
  const verdicts = new Map<string, ImageVerdict>();
  const control: Control = {
    id: IMAGE_POLICY_CONTROL_ID,
    title: 'Image fails its ImagePolicy (signatures, attestations, provenance)',
    severity: 'high',
    family: 'images',
    appliesTo: ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController', 'PodTemplate'],
    scope: 'inventory',
    description:
      'Each image a workload runs is verified against the ImagePolicy documents that govern its repository: cosign signatures from the named keys or keyless identities, required in-toto attestations and conditions on them, pinned digests, an attested SBOM under a maximum vulnerability severity, approved base images. Images no policy governs are not judged.',
    rationale: 'An image nobody trusted signed, or one built outside the pipeline, runs with whatever it contains: signatures and provenance are what tie a running image to a reviewed build.',
    remediation:
      'Sign the image in CI and attach its provenance, then deploy it by digest:\n```sh\nkubecomply sign registry.example.com/team/app@sha256:… --key cosign.key\nkubecomply attest registry.example.com/team/app@sha256:… --key cosign.key --type slsaprovenance1 --predicate provenance.json\n```',
    references: ['https://docs.sigstore.dev/cosign/signing/signing_with_containers/', 'https://slsa.dev/spec/v1.0/provenance'],
    mappings: { nsa: ['P3'], nist80190: ['4.1.5'], mitre: ['T1525'], cra: ['I.2(f)'], stride: ['T'] },
    inScope: (r) => imagesOf(r).some((x) => verdicts.has(x.image) && verdicts.get(x.image)!.policies.length > 0),
    check(r): Violation[] {
      const out: Violation[] = [];
      for (const { image, path } of imagesOf(r)) {
        const v = verdicts.get(image);
        if (!v || v.allowed) continue;
        out.push({ path, message: `image ${image}${v.digest && !image.endsWith(v.digest) ? ` (${v.digest})` : ''} fails ${v.failures.map((f) => `${f.policy}: ${f.requirement}: ${f.message}`).join('; ')}` });
      }
      return out;
    },
  };
  return {
    control,
    async prepare(resources) {
      const images = [...new Set(resources.flatMap((r) => imagesOf(r).map((x) => x.image)))];
      const got = await verifier.verifyAll(images, opts.budgetMs ? AbortSignal.timeout(opts.budgetMs) : undefined);
      for (const [k, v] of got) verdicts.set(k, v);
    },
  };
}
