/**
 * Credentials in annotations — of any resource, and of pod templates — and in particular the copy of a
 * Secret's data that `kubectl apply` leaves in kubectl.kubernetes.io/last-applied-configuration.
 */
import { asObject, isObject } from '../../core/podspec.js';
import { child, concat } from '../../core/path.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import { describeCredentials, findCredentials } from './detect.js';
import { CREDENTIAL_MAPPINGS } from './env.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Keys of `data`/`stringData` in a last-applied Secret that hold a value. */
function copiedKeys(applied: unknown): { data: string[]; stringData: string[] } {
  const keys = (v: unknown): string[] => {
    const o = asObject(v);
    if (!o) return [];
    return Object.keys(o).filter((k) => o[k] !== null && o[k] !== undefined && o[k] !== '');
  };
  return { data: keys(asObject(applied)?.data), stringData: keys(asObject(applied)?.stringData) };
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k));
  return keys.length > 5 ? `${shown.join(', ')} and ${keys.length - 5} more` : shown.join(', ');
}

function lastAppliedOnSecret(value: unknown, path: string, out: Violation[]): Violation[] {
  if (typeof value !== 'string' || value.trim() === '') return out;
  let applied: unknown;
  try {
    applied = JSON.parse(value);
  } catch {
    // Not JSON (hand-edited or truncated): fall back to what the value itself shows.
    const found = findCredentials(value);
    if (found.length > 0) return push(out, path, `annotation ${LAST_APPLIED} holds a credential: ${describeCredentials(found)}`);
    if (/"(?:data|stringData)"\s*:\s*\{\s*"/.test(value)) {
      return push(out, path, `annotation ${LAST_APPLIED} (not valid JSON) holds a copy of the Secret's data`);
    }
    return out;
  }
  const { data, stringData } = copiedKeys(applied);
  const parts: string[] = [];
  if (data.length > 0) parts.push(`data (${data.length === 1 ? 'key' : 'keys'} ${listKeys(data)})`);
  if (stringData.length > 0) parts.push(`stringData in plain text (${stringData.length === 1 ? 'key' : 'keys'} ${listKeys(stringData)})`);
  if (parts.length === 0) return out;
  return push(out, path, `annotation ${LAST_APPLIED} holds a copy of the Secret's ${parts.join(' and ')}, readable by anyone who can read the Secret's metadata`);
}

function scanAnnotations(r: Resource, annotations: unknown, base: string, out: Violation[], where: string): Violation[] {
  const ann = asObject(annotations);
  if (!ann) return out;
  for (const [key, value] of Object.entries(ann)) {
    if (typeof value !== 'string') continue;
    if (key === LAST_APPLIED) {
      // On other kinds the annotation mirrors the object itself, which the other controls check.
      if (r.kind === 'Secret' && where === '') out = lastAppliedOnSecret(value, child(base, key), out);
      continue;
    }
    const found = findCredentials(value, { name: key });
    if (found.length > 0) out = push(out, child(base, key), `${where}annotation ${JSON.stringify(key)} holds a credential: ${describeCredentials(found)}`);
  }
  return out;
}

export const credentialsInAnnotations: Control = {
  id: 'credentials-in-annotations',
  title: 'Credential stored in an annotation',
  severity: 'high',
  family: 'secrets',
  appliesTo: ['*'],
  scope: 'resource',
  description:
    'An annotation of any resource — or of a workload\'s pod template — holds a credential (same detection as credentials-in-configmap: credential-shaped values, or secret-looking values under credential-like names). ' +
    `On a Secret, the ${LAST_APPLIED} annotation that \`kubectl apply\` writes is a finding whenever it holds the Secret's data or stringData. The finding never repeats the value.`,
  rationale:
    'Annotations are metadata: they are returned by metadata-only reads and watches, copied by tools and controllers, shown by `kubectl describe`, and never encrypted separately. ' +
    `A Secret applied with \`kubectl apply\` keeps a full copy of its data — stringData in plain text — in ${LAST_APPLIED}, so the value survives rotations done by other means and leaks wherever the object's metadata goes.`,
  remediation:
    'Keep credentials out of annotations (put them in a Secret and reference it). For Secrets, create or update them without the last-applied copy — server-side apply, `kubectl create secret … --dry-run=client -o yaml | kubectl apply --server-side -f -`, or an external secret operator — and remove the annotation from existing Secrets:\n```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\n  annotations: {}   # no kubectl.kubernetes.io/last-applied-configuration\ntype: Opaque\n```\n`kubectl annotate secret db-credentials kubectl.kubernetes.io/last-applied-configuration-` removes it; then rotate the credential.',
  references: [
    'https://kubernetes.io/docs/reference/labels-annotations-taints/#kubectl-kubernetes-io-last-applied-configuration',
    'https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/',
    'https://kubernetes.io/docs/reference/using-api/server-side-apply/',
    'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
  ],
  mappings: { ...CREDENTIAL_MAPPINGS },
  check(r: Resource, ctx: CheckContext): Violation[] {
    let out = NONE;
    if (isObject(r.metadata.annotations)) out = scanAnnotations(r, r.metadata.annotations, 'metadata.annotations', out, '');
    for (const ref of ctx.inventory.podSpecsOf(r)) {
      // A Pod's "template" metadata is its own metadata, scanned above.
      if (ref.metaPath !== 'metadata' && isObject(ref.meta.annotations)) out = scanAnnotations(r, ref.meta.annotations, concat(ref.metaPath, 'annotations'), out, 'pod template ');
    }
    return out;
  },
};
