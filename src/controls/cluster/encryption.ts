/**
 * CIS 1.2.28: the EncryptionConfiguration the API server reads (--encryption-provider-config) must
 * really encrypt Secrets. Judged on the EncryptionConfiguration (apiserver.config.k8s.io/v1) or the
 * legacy `kind: EncryptionConfig` (apiVersion v1) when the input holds it.
 *
 * Semantics (kubernetes.io encryption configuration reference): resource lists are processed in
 * order, earlier entries taking precedence; `secrets` names core Secrets, `*.` every core resource,
 * `*.*` every resource. Within an entry the FIRST provider encrypts everything written; the others
 * only decrypt. `identity` first therefore means new and updated Secrets are stored in clear text.
 */
import { asArray, asObject, asString, isObject, quote } from '../../core/podspec.js';
import type { Control, Resource, Violation } from '../../core/types.js';
import { NONE, push, resourceControl } from '../helpers.js';
import { DOCS, FAMILY } from './common.js';

/** Providers that encrypt (aesgcm only with automated key rotation — see the description). */
const ENCRYPTING: ReadonlySet<string> = new Set(['aescbc', 'aesgcm', 'secretbox', 'kms']);
const KEYED: ReadonlySet<string> = new Set(['aescbc', 'aesgcm', 'secretbox']);
const COVERS_SECRETS: ReadonlySet<string> = new Set(['secrets', 'secrets.', '*.', '*.*']);

function isEncryptionConfig(r: Resource): boolean {
  if (r.kind === 'EncryptionConfiguration') return r.apiVersion.startsWith('apiserver.config.k8s.io/');
  return r.kind === 'EncryptionConfig' && r.apiVersion === 'v1';
}

const encryptionProviders: Control = resourceControl(
  {
    id: 'apiserver-encryption-providers',
    title: 'Encryption configuration does not encrypt Secrets',
    severity: 'high',
    family: FAMILY,
    appliesTo: ['EncryptionConfiguration', 'EncryptionConfig'],
    scope: 'resource',
    description:
      'In an EncryptionConfiguration (or legacy EncryptionConfig), the first entry whose resources cover Secrets (`secrets`, `*.` or `*.*`; earlier entries take precedence) must list a real encryption provider first — aescbc, aesgcm, secretbox or kms — with at least one key (CIS 1.2.28). ' +
      'identity first means Secrets are written unencrypted, whatever providers follow. aesgcm is accepted as encryption, but Kubernetes recommends it only with automated key rotation (a key must be rotated every 200,000 writes).',
    rationale:
      'Encryption at rest protects Secrets in etcd, its backups and its disks. A configuration that lists identity first, misses Secrets, or has no key gives the appearance of encryption while every credential is stored in clear text.',
    remediation:
      'Put an encrypting provider first for Secrets (KMS v2 keeps the key outside the cluster), keep identity last only while migrating, then rewrite all Secrets:\n```yaml\napiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources:\n  - secrets\n  providers:\n  - kms:\n      apiVersion: v2\n      name: cloud-kms\n      endpoint: unix:///var/run/kms-provider.sock\n  - identity: {}\n```',
    references: [DOCS.encryptData, DOCS.encryptionApi, DOCS.cis],
    mappings: {
      cis: ['1.2.28'],
      nsa: ['N5'],
      mitre: ['T1552'],
      stride: ['I'],
      pci: ['2.2.1', '3.5.1'],
      hipaa: ['164.312(a)(2)(iv)'],
      gdpr: ['Art. 32', 'Art. 5(1)(f)'],
      soc2: ['CC6.1'],
      cra: ['I.2(e)'],
    },
  },
  (target) => {
    if (!isEncryptionConfig(target)) return NONE;
    const what = target.kind;
    const entries = target.object.resources;
    if (!Array.isArray(entries) || entries.length === 0) {
      return [{ path: 'resources', message: `${what} configures no resources: Secrets are stored unencrypted` }];
    }
    for (let i = 0; i < entries.length; i++) {
      const entry = asObject(entries[i]);
      const names = asArray(entry?.resources).map((x) => (typeof x === 'string' ? x.trim() : ''));
      const hit = names.find((n) => COVERS_SECRETS.has(n));
      if (hit === undefined) continue;
      return judgeProviders(what, entry!, `resources[${i}]`, hit);
    }
    return [{ path: 'resources', message: `${what} has no entry for secrets (nor *. or *.*): Secrets are stored unencrypted` }];
  },
);

function judgeProviders(what: string, entry: Record<string, unknown>, base: string, matched: string): Violation[] {
  const providers = entry.providers;
  const via = matched === 'secrets' ? '' : ` (matched by ${quote(matched)})`;
  if (!Array.isArray(providers) || providers.length === 0) {
    return [{ path: `${base}.providers`, message: `${what} lists no providers for secrets${via}: the API server rejects the configuration` }];
  }
  const first = asObject(providers[0]);
  const keys = first ? Object.keys(first) : [];
  if (!first || keys.length !== 1) {
    return [{ path: `${base}.providers[0]`, message: `${what}: the first provider for secrets${via} must name exactly one provider type` }];
  }
  const type = keys[0];
  const cfg = first[type];
  const at = `${base}.providers[0].${type}`;
  if (type === 'identity') {
    const later = providers.slice(1).map((p) => (isObject(p) ? Object.keys(p)[0] : undefined)).filter((t): t is string => t !== undefined && ENCRYPTING.has(t));
    const note = later.length > 0 ? ` (${later.join(', ')} later in the list only decrypt)` : '';
    return [{ path: at, message: `${what}: the first provider for secrets${via} is identity: Secrets are written unencrypted${note}` }];
  }
  if (!ENCRYPTING.has(type)) {
    return [{ path: at, message: `${what}: the first provider for secrets${via} is ${quote(type)}, not an encryption provider (aescbc, aesgcm, secretbox, kms)` }];
  }
  let out = NONE;
  if (KEYED.has(type)) {
    const k = asArray(asObject(cfg)?.keys);
    if (k.length === 0) out = push(out, `${at}.keys`, `${what}: the ${type} provider for secrets${via} has no keys: the API server rejects the configuration`);
    else {
      const key0 = asObject(k[0]);
      if (!asString(key0?.secret)) out = push(out, `${at}.keys[0].secret`, `${what}: the first ${type} key for secrets${via} has no secret`);
    }
  } else if (type === 'kms') {
    const kms = asObject(cfg);
    if (!asString(kms?.name) || !asString(kms?.endpoint)) {
      out = push(out, at, `${what}: the kms provider for secrets${via} has no name or endpoint: the API server rejects the configuration`);
    }
  }
  return out;
}

export const apiserverEncryptionProviders: Control = { ...encryptionProviders, inScope: isEncryptionConfig };
