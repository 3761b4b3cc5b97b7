/**
 * Controls on who a binding grants to: cluster-admin to people and workloads, the system:masters
 * group, anonymous and all-authenticated subjects, and default service accounts. Findings are on the
 * RoleBinding or ClusterRoleBinding.
 */
import { quote } from '../../core/podspec.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import {
  BINDING_KINDS,
  defaultServiceAccountOf,
  describeScope,
  describeSubjects,
  DISCOVERY_ROLES,
  isFullWildcard,
  isSystemSubject,
  PUBLIC_ROLES,
  RBAC_DOC,
  RBAC_GOOD_PRACTICES,
  rbacModel,
  readBinding,
  roleRefPath,
  type BindingInfo,
} from './model.js';
import { describeOrigin } from './permissions.js';

function subjectPath(i: number): string {
  return `subjects[${i}].name`;
}

function describeRef(b: BindingInfo): string {
  return b.roleRefName !== undefined ? `${b.roleRefKind ?? 'role'} ${quote(b.roleRefName)}` : 'a role';
}

function isClusterRoleRef(b: BindingInfo, names: ReadonlySet<string>): boolean {
  return b.roleRefKind === 'ClusterRole' && b.roleRefName !== undefined && names.has(b.roleRefName);
}

export const clusterAdminBinding: Control = {
  id: 'rbac-cluster-admin-binding',
  title: 'cluster-admin bound to users, groups or service accounts',
  severity: 'critical',
  family: 'rbac',
  appliesTo: BINDING_KINDS,
  scope: 'inventory',
  description:
    'Bindings must not give cluster-admin — or any ClusterRole of the input whose rules grant every verb on every resource in every API group (aggregation included) — to subjects other than Kubernetes components. ' +
    'Reported on the RoleBinding or ClusterRoleBinding, once, at roleRef.name, naming the subjects. Component identities (system: users and groups such as system:kube-controller-manager) are not reported; ' +
    'the built-in binding to system:masters is left to rbac-system-masters, while every service account, system:anonymous and the broad groups system:authenticated, system:unauthenticated and system:serviceaccounts are reported. ' +
    'A RoleBinding to such a role is reported too: it gives full control of its namespace, that namespace\'s RBAC included.',
  rationale:
    'cluster-admin is every permission on every object: all Secrets, every node through pods, RBAC itself. A stolen credential of any identity holding it is the whole cluster, and such bindings are a favourite persistence mechanism of attackers.',
  remediation:
    'Bind a role built for the job instead, in the namespaces where it is needed; keep cluster-admin for a break-glass identity outside day-to-day use:\n```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: team-a-admins\n  namespace: team-a\nsubjects:\n- kind: Group\n  name: team-a-admins\n  apiGroup: rbac.authorization.k8s.io\nroleRef:\n  kind: ClusterRole\n  name: admin\n  apiGroup: rbac.authorization.k8s.io\n```',
  references: [`${RBAC_DOC}#user-facing-roles`, RBAC_GOOD_PRACTICES],
  mappings: {
    cis: ['5.1.1'],
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1078', 'T1078.003', 'T1098', 'T1098.006'],
    stride: ['E'],
    pci: ['7.2.1', '7.2.2', '7.2.5', '7.3.2'],
    hipaa: ['164.312(a)(1)', '164.308(a)(4)(ii)(B)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.1', 'CC6.3'],
    cra: ['I.2(d)'],
  },
  check(target: Resource, ctx: CheckContext): Violation[] {
    const b = rbacModel(ctx).bindingOf(target);
    if (!b || b.roleRefKind !== 'ClusterRole' || b.roleRefName === undefined) return NONE;
    let what: string;
    if (b.roleRefName === 'cluster-admin') what = 'cluster-admin';
    else {
      const full = b.role?.effective.find((sr) => isFullWildcard(sr.rule));
      if (!full) return NONE;
      what = `${describeOrigin(b, [full])}, which grants every verb on every resource,`;
    }
    // Service accounts are never component identities here: upstream binds cluster-admin to none.
    const subjects = b.subjects.filter((s) => s.kind === 'ServiceAccount' || !isSystemSubject(s, b));
    if (subjects.length === 0) return NONE;
    const scope = b.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `${describeScope(b)} (full control of the namespace)`;
    return [{ path: roleRefPath(b), message: `grants ${what} ${scope} to ${describeSubjects(subjects)}` }];
  },
};

export const systemMasters: Control = {
  id: 'rbac-system-masters',
  title: 'Binding to the system:masters group',
  severity: 'high',
  family: 'rbac',
  appliesTo: BINDING_KINDS,
  scope: 'resource',
  description:
    'Bindings must not name the group system:masters as a subject. Reported on the binding, per subject, at subjects[i].name. The built-in ClusterRoleBinding cluster-admin (system:masters to ClusterRole cluster-admin) is not reported.',
  rationale:
    'Members of system:masters bypass RBAC authorization altogether, and membership comes from client certificates, which cannot be revoked before they expire. A binding to the group shows that identities rely on it; access should come from named groups with specific roles, so it can be reviewed and withdrawn.',
  remediation:
    'Remove the system:masters subject and bind a named group of your identity provider instead; issue no client certificates with O=system:masters beyond the break-glass one:\n```yaml\nsubjects:\n- kind: Group\n  name: platform-admins\n  apiGroup: rbac.authorization.k8s.io\n```',
  references: [`${RBAC_DOC}#user-facing-roles`, RBAC_GOOD_PRACTICES, 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates'],
  mappings: {
    cis: ['5.1.7'],
    nsa: ['A1', 'A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1078'],
    stride: ['E', 'R'],
    pci: ['7.2.2', '8.2.2'],
    hipaa: ['164.312(a)(1)'],
    soc2: ['CC6.1', 'CC6.3'],
    cra: ['I.2(d)'],
  },
  check(target: Resource): Violation[] {
    const b = readBinding(target);
    if (b.kind === 'ClusterRoleBinding' && b.name === 'cluster-admin' && b.roleRefKind === 'ClusterRole' && b.roleRefName === 'cluster-admin') return NONE;
    let out = NONE;
    for (const s of b.subjects) {
      if (s.kind === 'Group' && s.name === 'system:masters') {
        out = push(out, subjectPath(s.index), `binds Group "system:masters" to ${describeRef(b)}; the group bypasses RBAC authorization and its certificate-based membership cannot be revoked`);
      }
    }
    return out;
  },
};

export const anonymousBinding: Control = {
  id: 'rbac-anonymous-binding',
  title: 'Permissions granted to anonymous or all authenticated users',
  severity: 'critical',
  family: 'rbac',
  appliesTo: BINDING_KINDS,
  scope: 'resource',
  description:
    'Bindings must not grant anything to User system:anonymous or Group system:unauthenticated beyond the ClusterRoles system:public-info-viewer and system:service-account-issuer-discovery, nor anything to Group system:authenticated beyond the built-in discovery ClusterRoles ' +
    '(system:discovery, system:basic-user, system:public-info-viewer, system:service-account-issuer-discovery). Reported on the binding, per subject, at subjects[i].name.',
  rationale:
    'system:anonymous and system:unauthenticated are whoever reaches the API server without credentials; system:authenticated is every user and every service account token of the cluster, including every pod\'s. A grant to them is a grant to an attacker with network access or a foothold in any pod.',
  remediation:
    'Bind the role to the specific groups or service accounts that need it:\n```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: metrics-readers\nsubjects:\n- kind: ServiceAccount\n  name: prometheus\n  namespace: monitoring\nroleRef:\n  kind: ClusterRole\n  name: metrics-reader\n  apiGroup: rbac.authorization.k8s.io\n```',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests', `${RBAC_DOC}#discovery-roles`, RBAC_GOOD_PRACTICES],
  mappings: {
    nsa: ['A1', 'A2'],
    nist80190: ['4.3.2'],
    mitre: ['T1078'],
    stride: ['S', 'E'],
    pci: ['7.2.1', '7.3.1', '7.3.3', '8.2.2'],
    hipaa: ['164.312(a)(1)', '164.312(d)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.1', 'CC6.6'],
    cra: ['I.2(d)'],
  },
  check(target: Resource): Violation[] {
    const b = readBinding(target);
    let out = NONE;
    for (const s of b.subjects) {
      let who: string | undefined;
      if (s.kind === 'User' && s.name === 'system:anonymous') who = 'anonymous requests (User "system:anonymous")';
      else if (s.kind === 'Group' && s.name === 'system:unauthenticated') who = 'every unauthenticated request (Group "system:unauthenticated")';
      if (who !== undefined) {
        if (!isClusterRoleRef(b, PUBLIC_ROLES)) out = push(out, subjectPath(s.index), `grants ${describeRef(b)} ${describeScope(b)} to ${who}`);
        continue;
      }
      if (s.kind === 'Group' && s.name === 'system:authenticated' && !isClusterRoleRef(b, DISCOVERY_ROLES)) {
        out = push(out, subjectPath(s.index), `grants ${describeRef(b)} ${describeScope(b)} to every authenticated user and service account (Group "system:authenticated")`);
      }
    }
    return out;
  },
};

export const defaultServiceAccountBinding: Control = {
  id: 'rbac-default-sa-binding',
  title: 'Permissions granted to default service accounts',
  severity: 'medium',
  family: 'rbac',
  appliesTo: BINDING_KINDS,
  scope: 'resource',
  description:
    'Bindings must not grant roles to a namespace\'s default service account: a ServiceAccount subject named default (a RoleBinding\'s subject without namespace is in the binding\'s namespace), the user system:serviceaccount:<namespace>:default, ' +
    'or the groups system:serviceaccounts and system:serviceaccounts:<namespace>, which include it. Bindings to the built-in discovery ClusterRoles are not reported. Reported on the binding, per subject, at subjects[i].name.',
  rationale:
    'Every pod that does not name a service account runs as its namespace\'s default service account. Rights given to it are given to every such pod, so a compromise of any of them — including ones deployed later — inherits them, and the permissions cannot be traced to the workload that needed them.',
  remediation:
    'Create a service account per workload, bind the role to it, and set it in the pod spec:\n```yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reporter\n  namespace: team-a\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reporter\n  namespace: team-a\nsubjects:\n- kind: ServiceAccount\n  name: reporter\n  namespace: team-a\nroleRef:\n  kind: Role\n  name: report-reader\n  apiGroup: rbac.authorization.k8s.io\n```',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts', `${RBAC_DOC}#service-account-permissions`, RBAC_GOOD_PRACTICES],
  mappings: {
    cis: ['5.1.5'],
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1078', 'T1078.001'],
    stride: ['E', 'R'],
    pci: ['2.2.2', '7.2.5', '8.2.2'],
    hipaa: ['164.312(a)(2)(i)', '164.308(a)(4)(ii)(B)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  check(target: Resource): Violation[] {
    const b = readBinding(target);
    if (isClusterRoleRef(b, DISCOVERY_ROLES)) return NONE;
    let out = NONE;
    for (const s of b.subjects) {
      const d = defaultServiceAccountOf(s);
      if (d) out = push(out, subjectPath(s.index), `grants ${describeRef(b)} ${describeScope(b)} to ${d.what}`);
    }
    return out;
  },
};
