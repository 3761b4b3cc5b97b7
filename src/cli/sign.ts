/**
 * `kubecomply sign`, `kubecomply attest` and `kubecomply verify`: cosign-compatible image signatures and in-toto
 * attestations in a registry (src/supply/publish.ts writes them, src/supply/signature verifies them), and image
 * policies (src/supply/policy) evaluated against a registry. Credentials come from the Docker config
 * (~/.docker/config.json, $DOCKER_CONFIG, credential helpers), as for docker, cosign and crane.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { RegistryClient } from '../supply/oci/client.js';
import type { ImageVerdict } from '../supply/policy/evaluate.js';
import type { Authority, ImagePolicy } from '../supply/policy/image-policy.js';
import type { PrivateKeyInfo } from '../supply/signature/index.js';
import { durationFlag, emit, EXIT_FINDINGS, EXIT_OK, UsageError } from './util.js';

// The registry client, Sigstore libraries and policy evaluator load when a command runs, not with every
// `kubecomply` invocation (they add ~0.2 s to start-up).
const oci = () => import('../supply/oci/client.js');
const ociErrors = () => import('../supply/oci/errors.js');
const signature = () => import('../supply/signature/index.js');
const policy = () => import('../supply/policy/image-policy.js');
const evaluate = () => import('../supply/policy/evaluate.js');
const publish = () => import('../supply/publish.js');
const references = () => import('../core/image-reference.js');

interface RegistryFlags {
  caFile?: string;
  insecureRegistry: string[];
  timeout: string;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function withRegistryOptions(c: Command): Command {
  return c
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM) for the registry')
    .option('--insecure-registry <host>', 'a registry that may be spoken to over plain HTTP (repeatable; loopback always may)', collect, [] as string[])
    .option('--timeout <duration>', 'bound on the whole operation, e.g. 30s, 2m', '60s');
}

export async function registryClient(flags: Pick<RegistryFlags, 'caFile' | 'insecureRegistry'>): Promise<RegistryClient> {
  const { RegistryClient } = await oci();
  try {
    return new RegistryClient({ ...(flags.caFile ? { caFile: flags.caFile } : {}), insecureRegistries: flags.insecureRegistry });
  } catch (e) {
    throw new UsageError(`cannot set up the registry client: ${(e as Error).message}`);
  }
}

async function readKey(file: string): Promise<PrivateKeyInfo> {
  const { loadPrivateKey } = await signature();
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return loadPrivateKey(pem, process.env.COSIGN_PASSWORD || undefined);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`, 'a PKCS#8 or SEC1 PEM private key (e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out cosign.key)');
  }
}

/** Registry and signature errors are the user's to act on: say them plainly, exit 2 — not an internal error. */
async function userErrors<T>(fn: () => Promise<T>): Promise<T> {
  const { RegistryError } = await ociErrors();
  const { SignatureError } = await signature();
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RegistryError || e instanceof SignatureError) throw new UsageError(e.message);
    if (e instanceof Error && e.name === 'TimeoutError') throw new UsageError(`timed out: ${e.message}`);
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------ sign

function signCmd(): Command {
  return withRegistryOptions(
    new Command('sign')
      .summary('sign an image in its registry, as cosign stores signatures (the sha256-<digest>.sig tag)')
      .argument('<image>', 'image reference (a tag is resolved to its digest; the digest is what is signed)')
      .requiredOption('--key <file>', 'private key, PEM (ECDSA P-256/P-384, RSA, Ed25519)')
      .option('-a, --annotation <key=value>', 'an optional claim in the signed payload (repeatable)', collect, [] as string[]),
  ).action(async (image: string, flags: RegistryFlags & { key: string; annotation: string[] }) => {
    const key = await readKey(flags.key);
    const annotations: Record<string, string> = {};
    for (const a of flags.annotation) {
      const i = a.indexOf('=');
      if (i <= 0) throw new UsageError(`invalid --annotation "${a}": expected key=value`);
      annotations[a.slice(0, i)] = a.slice(i + 1);
    }
    const client = await registryClient(flags);
    const { signAndPush } = await publish();
    const r = await userErrors(() => signAndPush(client, image, key, { ...(flags.annotation.length ? { annotations } : {}), signal: AbortSignal.timeout(durationFlag(flags.timeout, '--timeout')) })).finally(() => client.close());
    await emit([`signed ${image} (${r.digest}) with key ${key.publicKey.fingerprint}\npushed ${r.target} (${r.layers} signature${r.layers === 1 ? '' : 's'})\n`], undefined);
    process.exitCode = EXIT_OK;
  });
}

// ------------------------------------------------------------------------------------------------ attest

function attestCmd(): Command {
  return withRegistryOptions(
    new Command('attest')
      .summary('attach a signed in-toto attestation to an image, as cosign stores them (the sha256-<digest>.att tag)')
      .argument('<image>', 'image reference')
      .requiredOption('--key <file>', 'private key, PEM')
      .requiredOption('--predicate <file>', 'the predicate: a JSON file (an SBOM, a SLSA provenance predicate, a scan result …)')
      .option('--type <type>', 'predicate type: slsaprovenance (v0.2), slsaprovenance1, spdx, cyclonedx, vuln, custom, or a URI', 'custom')
      .option('--replace', 'replace the attestations of the same predicate type'),
  ).action(async (image: string, flags: RegistryFlags & { key: string; predicate: string; type: string; replace?: boolean }) => {
    const key = await readKey(flags.key);
    let predicate: unknown;
    try {
      predicate = JSON.parse(readFileSync(flags.predicate, 'utf8'));
    } catch (e) {
      throw new UsageError(`${flags.predicate}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON: ${(e as Error).message}`}`);
    }
    const predicateType = await attestType(flags.type);
    const client = await registryClient(flags);
    const { attestAndPush } = await publish();
    const r = await userErrors(() => attestAndPush(client, image, key, { predicateType, predicate, ...(flags.replace ? { replace: true } : {}), signal: AbortSignal.timeout(durationFlag(flags.timeout, '--timeout')) })).finally(() => client.close());
    await emit([`attested ${image} (${r.digest}): ${predicateType}, signed with key ${key.publicKey.fingerprint}\npushed ${r.target} (${r.layers} attestation${r.layers === 1 ? '' : 's'})\n`], undefined);
    process.exitCode = EXIT_OK;
  });
}

/** cosign's --type names (the first URI of each alias is what cosign writes), or a URI as given. */
async function attestType(t: string): Promise<string> {
  return (await predicateTypesOf(t, '--type'))[0]!;
}

/** The predicate type URIs of --type/--attestation, or a UsageError naming the flag. */
async function predicateTypesOf(t: string, flag: string): Promise<string[]> {
  const { predicateTypesFor, PREDICATE_TYPE_HELP } = await policy();
  const uris = predicateTypesFor(t);
  if (!uris) throw new UsageError(`unknown ${flag} "${t}"`, `use ${PREDICATE_TYPE_HELP}`);
  return uris;
}

// ------------------------------------------------------------------------------------------------ verify

interface VerifyFlags extends RegistryFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
  attestation: string[];
  policy: string[];
  db?: string;
  output: string;
}

/** The policy the flags describe (cosign verify's flags), as an ImagePolicy for the one image. */
/** The flags as one policy governing the repositories of the images named on the command line. */
async function flagPolicy(images: readonly string[], flags: VerifyFlags): Promise<ImagePolicy> {
  const { repositoryOf } = await policy();
  const { parseImageReference } = await references();
  const authorities: Authority[] = [];
  if (flags.key) {
    let pem: string;
    try {
      pem = readFileSync(flags.key, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the key ${flags.key}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    authorities.push({ kind: 'key', name: path.basename(flags.key), pem, source: flags.key });
  }
  const keyless = flags.certificateIdentity || flags.certificateIdentityRegexp || flags.certificateOidcIssuer || flags.certificateOidcIssuerRegexp;
  if (keyless) {
    if (!flags.certificateIdentity && !flags.certificateIdentityRegexp) throw new UsageError('keyless verification needs --certificate-identity or --certificate-identity-regexp');
    if (!flags.certificateOidcIssuer && !flags.certificateOidcIssuerRegexp) throw new UsageError('keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp');
    if (!flags.trustedRoot) throw new UsageError('keyless verification needs --trusted-root (a Sigstore trusted_root.json; verification is offline)');
    const re = (s: string | undefined, flag: string): RegExp | undefined => {
      if (s === undefined) return undefined;
      try {
        return new RegExp(s);
      } catch (e) {
        throw new UsageError(`invalid ${flag}: ${(e as Error).message}`);
      }
    };
    const idRe = re(flags.certificateIdentityRegexp, '--certificate-identity-regexp');
    const isRe = re(flags.certificateOidcIssuerRegexp, '--certificate-oidc-issuer-regexp');
    authorities.push({
      kind: 'keyless',
      name: 'keyless',
      trustedRoot: path.resolve(flags.trustedRoot),
      ...(flags.certificateIdentity ? { identity: flags.certificateIdentity } : {}),
      ...(idRe ? { identityRegexp: idRe } : {}),
      ...(flags.certificateOidcIssuer ? { issuer: flags.certificateOidcIssuer } : {}),
      ...(isRe ? { issuerRegexp: isRe } : {}),
    });
  }
  if (authorities.length === 0) throw new UsageError('nothing to verify with', 'pass --key cosign.pub, or --certificate-identity … --certificate-oidc-issuer … --trusted-root …, or --policy policy.yaml');
  const repositories = new Set<string>();
  for (const image of images) {
    const p = parseImageReference(image);
    if (!p.ok) throw new UsageError(`${image}: not a valid image reference: ${p.error}`);
    repositories.add(repositoryOf(p.ref));
  }
  const attestations = [];
  for (const t of flags.attestation) attestations.push({ type: t, predicateTypes: await predicateTypesOf(t, '--attestation'), conditions: [] });
  return {
    name: 'command line',
    file: '<flags>',
    line: 0,
    images: [...repositories],
    requirePinnedDigest: false,
    signatures: { mode: 'anyOf', authorities },
    attestations,
    requireSbom: false,
    onRegistryError: 'deny',
  };
}

export async function loadImagePolicies(files: readonly string[]): Promise<{ policies: ImagePolicy[]; invalid: { name: string; images: string[] }[] }> {
  const { loadSources } = await import('../sources/loader.js');
  const { parseImagePolicies } = await policy();
  const loaded = await loadSources([...files], { defaultNamespace: 'default' });
  const errors = loaded.diagnostics.filter((d) => d.level === 'error');
  const parsed = parseImagePolicies(loaded.resources);
  const all = [...errors, ...parsed.diagnostics];
  if (all.length > 0) throw new UsageError(`invalid image policy\n${all.map((d) => `${d.file}${d.line ? `:${d.line}` : ''}${d.column ? `:${d.column}` : ''}: ${d.message}`).join('\n')}`);
  if (parsed.policies.length === 0) throw new UsageError(`no ImagePolicy (apiVersion kubecomply.io/v1alpha1) in ${files.join(', ')}`);
  return parsed;
}

function describeVerdict(v: ImageVerdict): string {
  const out: string[] = [];
  out.push(`${v.allowed ? 'VERIFIED' : 'FAILED'}  ${v.image}${v.digest ? ` (${v.digest})` : ''}${v.policies.length ? `  policy: ${v.policies.join(', ')}` : '  (no policy governs this image)'}`);
  for (const s of v.signatures) {
    out.push(`  signature by ${s.authority}: ${s.mode === 'key' ? `key ${s.keyFingerprint}` : `certificate ${s.identity ?? '?'} issued via ${s.issuer ?? '?'}`}${s.rekorLogIndex !== undefined ? `, Rekor log index ${s.rekorLogIndex}${s.integratedTime ? ` at ${s.integratedTime}` : ''}` : ', no transparency log entry'}`);
  }
  for (const a of v.attestations) {
    const sum = a.summary;
    const detail = sum.kind === 'slsa-provenance' ? ` builder ${sum.builderId ?? '?'}, source ${sum.sourceUri ?? '?'}${sum.sourceRevision ? `@${sum.sourceRevision}` : ''}` : sum.kind === 'sbom' ? ` ${sum.format} ${sum.specVersion ?? ''}, ${sum.packageCount} packages` : '';
    out.push(`  attestation ${a.predicateType} by ${a.authority}:${detail}`);
  }
  for (const f of v.failures) out.push(`  ✗ ${f.policy}: ${f.requirement}: ${f.message}`);
  for (const w of v.warnings) out.push(`  ! ${w}`);
  return out.join('\n') + '\n';
}

function verifyCmd(): Command {
  return withRegistryOptions(
    new Command('verify')
      .summary('verify an image: cosign signatures and attestations (key or keyless), or an ImagePolicy')
      .argument('<images...>', 'image references')
      .option('--key <file>', 'public key, PEM (as cosign verify --key)')
      .option('--certificate-identity <san>', 'keyless: the certificate identity (SAN) to accept')
      .option('--certificate-identity-regexp <re>', 'keyless: … as a regular expression')
      .option('--certificate-oidc-issuer <url>', 'keyless: the OIDC issuer to accept')
      .option('--certificate-oidc-issuer-regexp <re>', 'keyless: … as a regular expression')
      .option('--trusted-root <file>', 'keyless: Sigstore trusted_root.json (offline: no TUF fetch)')
      .option('--attestation <type>', 'also require a verified attestation of this type (slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, custom, URI; repeatable)', collect, [] as string[])
      .option('--policy <file>', 'evaluate ImagePolicy documents instead of the flags above (repeatable)', collect, [] as string[])
      .option('--db <file>', 'vulnerability index for maxSeverity (default: the cache path of `kubecomply vuln db import`)')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .addHelpText(
        'after',
        `
Examples:
  kubecomply verify registry.acme.example/platform/api:1.4 --key cosign.pub
  kubecomply verify ghcr.io/acme/api@sha256:… --certificate-identity https://github.com/acme/api/.github/workflows/release.yml@refs/heads/main \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com --trusted-root trusted_root.json
  kubecomply verify registry.acme.example/platform/api:1.4 --key cosign.pub --attestation slsaprovenance1
  kubecomply verify registry.acme.example/platform/api:1.4 --policy image-policy.yaml

Exit codes: 0 every image verified, 1 an image failed verification or its policy, 2 usage error.`,
      ),
  ).action(async (images: string[], flags: VerifyFlags) => {
    const budget = durationFlag(flags.timeout, '--timeout');
    let policies: ImagePolicy[];
    let invalid: { name: string; images: string[] }[] = [];
    if (flags.policy.length > 0) {
      if (flags.key || flags.certificateIdentity || flags.certificateIdentityRegexp) throw new UsageError('--policy and --key/--certificate-* contradict each other: the policy names its authorities');
      ({ policies, invalid } = await loadImagePolicies(flags.policy));
    } else policies = [await flagPolicy(images, flags)];
    const client = await registryClient(flags);
    const { ImageVerifier } = await evaluate();
    const { lazyReadonlyDb } = await import('../supply/vuln/db.js');
    const vulnDb = lazyReadonlyDb(flags.db);
    const verifier = new ImageVerifier({ policies, invalid, client, vulnDb: vulnDb.get });
    let verdicts: Map<string, ImageVerdict>;
    try {
      verdicts = await userErrors(() => verifier.verifyAll(images, AbortSignal.timeout(budget)));
    } finally {
      client.close();
      vulnDb.close();
    }
    const list = images.map((i) => verdicts.get(i)!);
    if (flags.output === 'json') await emit([`${JSON.stringify(list, null, 2)}\n`], undefined);
    else await emit(list.map(describeVerdict), undefined);
    process.exitCode = list.every((v) => v.allowed) ? EXIT_OK : EXIT_FINDINGS;
  });
}

export function signCommands(): Command[] {
  return [signCmd(), attestCmd(), verifyCmd()];
}
