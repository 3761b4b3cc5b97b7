/**
 * What `kubecomply install` is asked for, its defaults, and the checks that make a bad request an error
 * before anything is generated. Pure: no files, no clock, no randomness.
 */
import { isIP } from 'node:net';
import { parseImageReference } from '../core/image-reference.js';
import { TOOL } from '../core/version.js';
import { SERVICE_ACCOUNT_DIR } from '../server/kube.js';

export type FailurePolicy = 'Fail' | 'Ignore';
export type AntiAffinity = 'preferred' | 'required';

/** The image the manifests name when --image is not given: a placeholder to replace. */
export const DEFAULT_IMAGE_REPOSITORY = 'registry.example.com/kubecomply/kubecomply';
export const DEFAULT_IMAGE = `${DEFAULT_IMAGE_REPOSITORY}:${TOOL.version}`;

/** Where the pod reads what the manifests mount (read-only). */
export const PATHS = {
  tlsDir: '/etc/kubecomply/tls',
  tlsCert: '/etc/kubecomply/tls/tls.crt',
  tlsKey: '/etc/kubecomply/tls/tls.key',
  configDir: '/etc/kubecomply/config',
  config: '/etc/kubecomply/config/kubecomply.yaml',
  /** Where `kubecomply serve --cluster-exceptions` looks for the token and CA in a pod (the projected volume). */
  serviceAccountDir: SERVICE_ACCOUNT_DIR,
} as const;

/**
 * The projected service account token of the webhook pods (--cluster-exceptions): one hour, the
 * shortest the kubelet keeps refreshed without the API server's legacy extension (it rotates the file
 * at 80 % of the lifetime; the server re-reads it every minute). No explicit audience: the token's only
 * use is the Kubernetes API, whose audience is the API server's own identifier — the default — and
 * writing one in would break clusters whose --api-audiences differ.
 */
export const TOKEN_EXPIRATION_SECONDS = 3600;

/**
 * Ports of the Kubernetes API the webhook pods may reach: 443 (the kubernetes Service, and managed
 * control planes) and 6443 (the API server's own port, which is what a NetworkPolicy sees after the
 * Service address is translated on most network plugins).
 */
export const API_SERVER_PORTS = [443, 6443] as const;

/** The server's HTTPS port in the pod, and the Service port the API server calls. */
export const CONTAINER_PORT = 8443;
export const SERVICE_PORT = 443;

/** Non-root identity of the container (the "nonroot" uid/gid of distroless and Chainguard images). */
export const RUN_AS = 65532;

/**
 * How `kubecomply serve` drains on SIGTERM (its --shutdown-delay and --shutdown-timeout): it keeps
 * serving with readiness 503 for the delay, so that endpoints and kube-proxy stop sending it new
 * connections before its listener closes (a refused connection is a failed call, which fails closed),
 * then gives in-flight reviews the timeout. terminationGracePeriodSeconds must exceed both together,
 * or the kubelet kills reviews the server would have answered.
 */
export const SHUTDOWN_DELAY_SECONDS = 5;
export const SHUTDOWN_TIMEOUT_SECONDS = 25;
export const SERVER_DRAIN_SECONDS = SHUTDOWN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS;
export const TERMINATION_GRACE_SECONDS = 40;

/** Container resources: requests for scheduling, limits to bound a misbehaving pod. */
export const RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1', memory: '512Mi' },
} as const;

export interface InstallOptions {
  /** Namespace the webhook runs in (created by the manifests). */
  namespace: string;
  /** Name of the Deployment, Service, ServiceAccount, webhook configuration; prefix of the others. */
  name: string;
  replicas: number;
  image: string;
  /** Value of the `owner` label (or whatever label key the configuration requires as owner). */
  owner: string;
  /** Value of the data-class label on the Namespace. */
  dataClass: string;
  /** Extra labels on every object (and the Namespace). */
  labels: Record<string, string>;
  /** Webhook failure policy for the enforcing entries; undefined: from the configuration. */
  failurePolicy?: FailurePolicy;
  /** Webhook timeout; undefined: from the configuration. */
  timeoutSeconds?: number;
  /** Validity of the generated serving certificate, in days. */
  certDays: number;
  /** Namespaces the webhook never sees, besides its own. */
  exemptNamespaces: string[];
  /** CIDRs allowed to reach the webhook port; empty: any source, on that port only. */
  allowFrom: string[];
  antiAffinity: AntiAffinity;
  clusterDomain: string;
  /**
   * Honour the ComplianceExceptions kept in the cluster (serve --cluster-exceptions): a projected token,
   * get/list/watch on complianceexceptions.kubecomply.io, and egress to the API server. Default true.
   */
  clusterExceptions: boolean;
  /** CIDRs of the API server the pods may reach (with clusterExceptions); empty: any address, API ports only. */
  apiServerCidrs: string[];
}

export function defaultInstallOptions(): InstallOptions {
  return {
    namespace: 'kubecomply',
    name: 'kubecomply',
    replicas: 2,
    image: DEFAULT_IMAGE,
    owner: 'platform-security',
    dataClass: 'internal',
    labels: {},
    certDays: 365,
    exemptNamespaces: [],
    allowFrom: [],
    antiAffinity: 'preferred',
    clusterDomain: 'cluster.local',
    clusterExceptions: true,
    apiServerCidrs: [],
  };
}

/** A mistake in the install request, with a hint for the user. */
export class InstallError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Whether `key` is a valid label key: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function validLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

export function validLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** Whether `s` is an IPv4 or IPv6 CIDR (`10.0.0.0/8`, `fd00::/8`). */
export function validCidr(s: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const v = isIP(m[1]);
  const bits = Number(m[2]);
  return (v === 4 && bits <= 32) || (v === 6 && bits <= 128);
}

/** Longest object-name suffix the manifests append to --name ("-webhook-ingress"). */
const LONGEST_SUFFIX = '-webhook-ingress'.length;

/** Throws InstallError for the first problem of the request. */
export function checkInstallOptions(o: InstallOptions): void {
  if (!DNS1123_LABEL.test(o.namespace) || o.namespace.length > 63) {
    throw new InstallError(`invalid --namespace "${o.namespace}": must be a DNS-1123 label (lower-case letters, digits and "-", at most 63)`);
  }
  if (!DNS1035_LABEL.test(o.name) || o.name.length > 63 - LONGEST_SUFFIX) {
    throw new InstallError(
      `invalid --name "${o.name}": must start with a letter, hold only lower-case letters, digits and "-", and be at most ${63 - LONGEST_SUFFIX} characters`,
      'it names the Service (a DNS-1035 label) and prefixes the other objects',
    );
  }
  if (!Number.isInteger(o.replicas) || o.replicas < 2 || o.replicas > 100) {
    throw new InstallError(
      `invalid --replicas "${o.replicas}": expected a whole number from 2 to 100`,
      'a webhook that fails closed needs a second replica, or every rollout and node drain blocks the API requests it gates',
    );
  }
  const img = parseImageReference(o.image);
  if (!img.ok) throw new InstallError(`invalid --image "${o.image}": ${img.error}`, 'e.g. registry.example.com/kubecomply/kubecomply@sha256:<digest>');
  if (!img.ref.tag && !img.ref.digest) {
    throw new InstallError(`--image "${o.image}" has neither a tag nor a digest`, 'pin the image by digest (…@sha256:<digest>), or at least name a release tag');
  }
  if (img.ref.tag === 'latest' && !img.ref.digest) throw new InstallError(`--image "${o.image}" uses the "latest" tag`, 'pin the image by digest (…@sha256:<digest>) or a release tag');
  for (const [what, v] of [['--owner', o.owner], ['--data-class', o.dataClass]] as const) {
    if (v === '' || !validLabelValue(v)) throw new InstallError(`invalid ${what} "${v}": must be a non-empty label value (letters, digits, "-", "_", ".", at most 63)`);
  }
  for (const [k, v] of Object.entries(o.labels)) {
    if (!validLabelKey(k)) throw new InstallError(`invalid --label key "${k}"`, 'label keys are [prefix/]name, e.g. cost-center or example.com/team');
    if (k === 'owner' || k.startsWith('app.kubernetes.io/') || k.startsWith('pod-security.kubernetes.io/')) {
      throw new InstallError(`--label ${k}: install sets this label itself`, k === 'owner' ? 'use --owner' : 'selectors and the two-step apply rely on it');
    }
    if (!validLabelValue(v)) throw new InstallError(`invalid --label value "${v}" for "${k}"`);
  }
  if (o.failurePolicy !== undefined && o.failurePolicy !== 'Fail' && o.failurePolicy !== 'Ignore') {
    throw new InstallError(`invalid --failure-policy "${String(o.failurePolicy)}": expected Fail or Ignore`);
  }
  if (o.timeoutSeconds !== undefined && (!Number.isInteger(o.timeoutSeconds) || o.timeoutSeconds < 1 || o.timeoutSeconds > 30)) {
    throw new InstallError(`invalid --timeout "${o.timeoutSeconds}": expected whole seconds from 1 to 30 (the API server's limit)`);
  }
  if (!Number.isInteger(o.certDays) || o.certDays < 1 || o.certDays > 3650) throw new InstallError(`invalid --cert-days "${o.certDays}": expected whole days from 1 to 3650`);
  for (const ns of o.exemptNamespaces) {
    if (!DNS1123_LABEL.test(ns) || ns.length > 63) throw new InstallError(`invalid --exempt-namespace "${ns}": must be a namespace name`);
  }
  for (const c of o.allowFrom) if (!validCidr(c)) throw new InstallError(`invalid --allow-from "${c}": expected a CIDR such as 10.0.0.0/16 or fd00::/64`);
  for (const c of o.apiServerCidrs) if (!validCidr(c)) throw new InstallError(`invalid --api-server-cidr "${c}": expected a CIDR such as 10.0.0.10/32 or fd00::10/128`);
  if (o.apiServerCidrs.length > 0 && !o.clusterExceptions) {
    throw new InstallError('--api-server-cidr narrows the egress to the Kubernetes API, which only --cluster-exceptions needs', 'drop --api-server-cidr, or --no-cluster-exceptions');
  }
  if (o.antiAffinity !== 'preferred' && o.antiAffinity !== 'required') throw new InstallError(`invalid --anti-affinity "${String(o.antiAffinity)}": expected preferred or required`);
  if (!DNS1123_SUBDOMAIN.test(o.clusterDomain) || o.clusterDomain.length > 253) throw new InstallError(`invalid --cluster-domain "${o.clusterDomain}"`);
}

/** The image's digest, when the reference is pinned by one. */
export function imageDigest(image: string): string | undefined {
  const r = parseImageReference(image);
  return r.ok ? r.ref.digest : undefined;
}
