/**
 * `kubecomply sign` / `kubecomply attest`: sign an image in a registry, or attach a signed in-toto attestation, in
 * cosign's storage layout so that cosign and kubecomply both find and verify them: a manifest tagged
 * `sha256-<hex>.sig` (simple-signing layers, one per signature) or `sha256-<hex>.att` (DSSE envelope layers, one per
 * attestation), in the repository of the image. Like cosign, a new signature or attestation is appended to those
 * already there; an attestation of a predicate type can replace the earlier ones of that type (`replace`).
 *
 * The signature image is an OCI image manifest whose config lists the layers' digests as diff_ids, as cosign's
 * signature images do; its layers are not tarballs but the payloads themselves (media types of signature.ts).
 */
import { createHash } from 'node:crypto';
import { parseImageReference } from '../core/image-reference.js';
import type { RegistryClient } from './oci/client.js';
import { RegistryError } from './oci/errors.js';
import { cosignTag } from './oci/index.js';
import { MediaType } from './oci/media-types.js';
import { ANNOTATION_SIGNATURE, attestImage, signImage, SIMPLE_SIGNING_MEDIA_TYPE, type OciDescriptor, type PrivateKeyInfo } from './signature/index.js';

export interface PublishResult {
  /** The image's manifest digest that was signed. */
  digest: string;
  /** Where the signature/attestation manifest went: repo:sha256-<hex>.sig|.att */
  target: string;
  /** Its digest. */
  manifestDigest: string;
  /** Layers in the manifest now (signatures or attestations). */
  layers: number;
}

interface ManifestJson {
  schemaVersion: number;
  mediaType?: string;
  config: { mediaType: string; size: number; digest: string };
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

/** The image's digest: from the reference, else what its tag points at now. */
export async function resolveDigest(client: RegistryClient, image: string, signal?: AbortSignal): Promise<{ name: string; digest: string; dockerReference: string }> {
  const p = parseImageReference(image);
  if (!p.ok) throw new Error(`${image}: not a valid image reference: ${p.error}`);
  return { name: p.ref.name, digest: await client.resolveDigest(image, signal ? { signal } : {}), dockerReference: p.ref.name };
}

/** The manifest at `target` (with the digest the registry holds it under), or undefined when there is none yet. */
async function existing(client: RegistryClient, target: string, signal?: AbortSignal): Promise<{ json: ManifestJson; digest: string } | undefined> {
  try {
    const m = await client.getManifest(target, signal ? { signal } : {});
    return { json: m.json as ManifestJson, digest: m.digest };
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'not-found') return undefined;
    throw e;
  }
}

async function writeManifest(client: RegistryClient, name: string, target: string, layers: OciDescriptor[], signal?: AbortSignal): Promise<string> {
  const o = signal ? { signal } : {};
  const config = Buffer.from(
    JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }),
  );
  const c = await client.pushBlob(name, config, o);
  const manifest: ManifestJson = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, size: c.size, digest: c.digest }, layers };
  const r = await client.pushManifest(target, Buffer.from(JSON.stringify(manifest)), MediaType.OciManifest, o);
  return r.digest;
}

/** `cosign sign --key` (no transparency-log upload): adds a signature layer to the image's .sig manifest. */
export async function signAndPush(client: RegistryClient, image: string, key: PrivateKeyInfo, opts: { annotations?: Record<string, string>; signal?: AbortSignal } = {}): Promise<PublishResult> {
  const { name, digest, dockerReference } = await resolveDigest(client, image, opts.signal);
  const signed = signImage(key, { dockerReference, digest, ...(opts.annotations ? { optional: opts.annotations } : {}) });
  return appendSignature(client, name, digest, signed.payload, signed.layer, opts.signal);
}

/**
 * Adds a signature made elsewhere (a keyless signer's: certificate, chain and Rekor bundle annotations) to the .sig
 * manifest of the image `image` names; the payload must be the simple-signing payload for that image's digest.
 */
export async function pushSignatureLayer(client: RegistryClient, image: string, payload: Buffer, annotations: Record<string, string>, opts: { signal?: AbortSignal } = {}): Promise<PublishResult> {
  const { name, digest } = await resolveDigest(client, image, opts.signal);
  const layer: OciDescriptor = { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, size: payload.length, digest: `sha256:${createHash('sha256').update(payload).digest('hex')}`, annotations };
  return appendSignature(client, name, digest, payload, layer, opts.signal);
}

async function appendSignature(client: RegistryClient, name: string, digest: string, payload: Buffer, layer: OciDescriptor, signal?: AbortSignal): Promise<PublishResult> {
  const target = `${name}:${cosignTag(digest, 'sig')}`;
  const prior = await existing(client, target, signal);
  const layers = [...(prior?.json.layers ?? [])];
  const sig = layer.annotations?.[ANNOTATION_SIGNATURE];
  // Like cosign's duplicate detector: the same payload signed with the same signature (deterministic Ed25519 and RSA
  // PKCS#1 v1.5 signatures repeat) is already there, and a second copy would only grow the manifest.
  if (prior && layers.some((l) => l.digest === layer.digest && l.annotations?.[ANNOTATION_SIGNATURE] === sig)) {
    return { digest, target, manifestDigest: prior.digest, layers: layers.length };
  }
  await client.pushBlob(name, payload, signal ? { signal } : {});
  layers.push(layer);
  const manifestDigest = await writeManifest(client, name, target, layers, signal);
  return { digest, target, manifestDigest, layers: layers.length };
}

/** `cosign attest --key --type <predicateType>`: adds a DSSE attestation layer to the image's .att manifest. */
export async function attestAndPush(
  client: RegistryClient,
  image: string,
  key: PrivateKeyInfo,
  att: { predicateType: string; predicate: unknown; replace?: boolean; signal?: AbortSignal },
): Promise<PublishResult & { statementDigest: string }> {
  const { name, digest } = await resolveDigest(client, image, att.signal);
  const a = attestImage(key, { subjectName: name, digest, predicateType: att.predicateType, predicate: att.predicate });
  const target = `${name}:${cosignTag(digest, 'att')}`;
  const prior = await existing(client, target, att.signal);
  let layers = [...(prior?.json.layers ?? [])];
  if (att.replace) layers = layers.filter((l) => l.annotations?.predicateType !== att.predicateType);
  await client.pushBlob(name, a.envelopeBytes, att.signal ? { signal: att.signal } : {});
  layers.push(a.layer);
  const manifestDigest = await writeManifest(client, name, target, layers, att.signal);
  return { digest, target, manifestDigest, layers: layers.length, statementDigest: a.layer.digest };
}
