/**
 * Service account identity of workloads: whether the pod's API token is mounted, and whether the pod
 * runs as its namespace's `default` service account.
 */
import { asObject, quote } from '../../core/podspec.js';
import type { Control, PodSpecRef } from '../../core/types.js';
import { NONE, push, spath, workloadControl } from '../helpers.js';

/** A non-empty string, else undefined. */
function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The service account a pod runs as, and the field that decides it. `serviceAccountName` wins; the
 * deprecated `serviceAccount` alias is used when `serviceAccountName` is empty (as the API server's
 * conversion does); otherwise the namespace's `default`.
 */
export function serviceAccountOf(ref: PodSpecRef): { name: string; field: 'serviceAccountName' | 'serviceAccount' | undefined } {
  const sa = nonEmpty(ref.spec.serviceAccountName);
  if (sa !== undefined) return { name: sa, field: 'serviceAccountName' };
  const deprecated = nonEmpty(ref.spec.serviceAccount);
  if (deprecated !== undefined) return { name: deprecated, field: 'serviceAccount' };
  return { name: 'default', field: undefined };
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? quote(v) : String(v);
}

export const saTokenAutomount: Control = workloadControl(
  {
    id: 'sa-token-automount',
    title: 'Service account token mounted into the pod',
    severity: 'medium',
    family: 'secrets',
    scope: 'inventory',
    description:
      'The pod gets its service account\'s API token mounted (at /var/run/secrets/kubernetes.io/serviceaccount) unless automountServiceAccountToken is false. ' +
      'The pod spec decides when it sets the field; when it does not, the ServiceAccount the pod runs as (serviceAccountName, else the deprecated serviceAccount, else "default", in the workload\'s namespace) decides — ' +
      'if that ServiceAccount is in the scanned input and sets automountServiceAccountToken: false, the token is not mounted. A non-boolean value is not false.',
    rationale:
      'Most applications never call the Kubernetes API. A mounted token is then only useful to an attacker: anyone who gets code execution or file read in the container can read it and act on the API with the service account\'s permissions (list secrets, create pods, …), from inside or outside the cluster.',
    remediation:
      'Opt out on the pod (or on the ServiceAccount for every pod that uses it), and mount a token explicitly — with an audience and short expiry through a projected volume — only in pods that call the API:\n```yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\nautomountServiceAccountToken: false\n---\n# in the pod template\nspec:\n  serviceAccountName: api\n  automountServiceAccountToken: false\n```',
    references: [
      'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
      'https://kubernetes.io/docs/concepts/security/service-accounts/',
      'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/',
    ],
    mappings: {
      cis: ['5.1.6'],
      nsa: ['P9'],
      mitre: ['T1528', 'T1552.007', 'T1550.001'],
      pci: ['7.2.5'],
      stride: ['E', 'I'],
    },
  },
  (ref, r, ctx) => {
    const path = spath(ref, 'automountServiceAccountToken');
    const podValue = ref.spec.automountServiceAccountToken;
    if (podValue === false) return NONE;
    const sa = serviceAccountOf(ref);
    if (podValue === true) {
      return push(NONE, path, `pod sets automountServiceAccountToken: true, so the token of ServiceAccount ${quote(sa.name)} is mounted into every container`);
    }
    if (podValue !== undefined && podValue !== null) {
      return push(NONE, path, `pod sets automountServiceAccountToken to ${describeValue(podValue)}, which is not the boolean false; the token of ServiceAccount ${quote(sa.name)} is mounted`);
    }
    const account = r.namespace !== undefined ? ctx.inventory.get('ServiceAccount', r.namespace, sa.name) : undefined;
    if (account === undefined) {
      return push(NONE, path, `pod does not set automountServiceAccountToken: false and ServiceAccount ${quote(sa.name)} is not in the scanned input, so its token is mounted by default`);
    }
    const saValue = asObject(account.object)?.automountServiceAccountToken;
    if (saValue === false) return NONE;
    const saSays = saValue === undefined || saValue === null ? 'does not set it either' : `sets it to ${describeValue(saValue)}`;
    return push(NONE, path, `pod does not set automountServiceAccountToken: false and ServiceAccount ${quote(sa.name)} ${saSays}, so its token is mounted`);
  },
);

export const defaultServiceAccountUsed: Control = workloadControl(
  {
    id: 'default-service-account-used',
    title: 'Workload runs as the namespace\'s default service account',
    severity: 'low',
    family: 'secrets',
    scope: 'resource',
    description:
      'The pod runs as the "default" service account of its namespace: serviceAccountName is absent, empty or "default" (the deprecated serviceAccount field is used when serviceAccountName is empty, as the API server does).',
    rationale:
      'Every pod that names no service account shares the namespace\'s default one. Permissions granted to it for one workload reach all of them, and its actions in the audit log cannot be told apart by workload. A dedicated service account per workload keeps permissions minimal and attributable.',
    remediation:
      'Create a service account for the workload (without a mounted token unless the workload calls the API) and reference it:\n```yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: checkout\nautomountServiceAccountToken: false\n---\n# in the pod template\nspec:\n  serviceAccountName: checkout\n```',
    references: [
      'https://kubernetes.io/docs/concepts/security/service-accounts/',
      'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/',
      'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    ],
    mappings: {
      cis: ['5.1.5'],
      nsa: ['A2'],
      mitre: ['T1078.001'],
      pci: ['2.2.2', '8.2.2'],
      stride: ['E', 'R'],
    },
  },
  (ref) => {
    const sa = serviceAccountOf(ref);
    if (sa.name !== 'default') return NONE;
    if (sa.field === undefined) {
      const v = ref.spec.serviceAccountName;
      const why = v === '' ? 'serviceAccountName is empty' : v === undefined || v === null ? 'no serviceAccountName is set' : `serviceAccountName is not a string (${String(v)})`;
      return push(NONE, spath(ref, 'serviceAccountName'), `pod runs as the namespace's "default" service account: ${why}`);
    }
    const what = sa.field === 'serviceAccount' ? 'the deprecated serviceAccount field names "default"' : 'serviceAccountName is "default"';
    return push(NONE, spath(ref, sa.field), `pod runs as the namespace's "default" service account: ${what}`);
  },
);
