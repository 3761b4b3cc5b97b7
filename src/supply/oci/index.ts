/**
 * The OCI distribution registry client. Entry points:
 *   new RegistryClient(options)  — manifests, blobs, tags, referrers, pushes (see client.ts)
 *   cosignTag / referrersTag     — tag conventions for signatures, attestations, SBOMs and referrers
 *   RegistryError                — every failure, with `kind`, `registry`, `operation`, `status`, `errors`
 */
export {
  RegistryClient,
  cosignTag,
  referrersTag,
  parseReference,
  apiHost,
  MAX_MANIFEST_BYTES,
  type RegistryClientOptions,
  type CallOptions,
  type FetchedManifest,
  type ResolvedImage,
  type ReferrersResult,
  type RefLike,
} from './client.js';
export { RegistryError, type RegistryErrorKind, type RegistryErrorEntry } from './errors.js';
export { dockerCredentials, runCredentialHelper, normalizeRegistryKey, type Credential, type DockerConfigOptions } from './credentials.js';
export { digestOf, parseDigest, isDigest, matchesDigest, VerifyingStream, DigestMismatch } from './digest.js';
export { parseChallenges, type Challenge } from './auth.js';
export { DEFAULT_PLATFORM, parsePlatform, formatPlatform, platformMatches, selectManifest } from './platform.js';
export {
  MediaType,
  MANIFEST_ACCEPT,
  isIndexMediaType,
  isImageManifestMediaType,
  type Descriptor,
  type Platform,
  type ImageManifest,
  type ImageIndex,
} from './media-types.js';
