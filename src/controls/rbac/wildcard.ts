/**
 * Wildcards in role rules. Unlike the permission controls (reported on bindings), this one is about
 * how a role is written, so it is reported on the Role or ClusterRole, at the rule.
 */
import { quote } from '../../core/podspec.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import { describeGrants, RBAC_DOC, RBAC_GOOD_PRACTICES, rbacModel, ROLE_KINDS, type Rule } from './model.js';

interface Wild {
  path: string;
  text: string;
}

function wildcards(rule: Rule, cluster: boolean): Wild[] {
  const out: Wild[] = [];
  const base = `rules[${rule.index}]`;
  const scan = (field: 'verbs' | 'apiGroups' | 'resources' | 'nonResourceURLs', list: readonly string[], isWild: (s: string) => boolean): void => {
    for (let i = 0; i < list.length; i++) {
      if (isWild(list[i])) {
        out.push({ path: `${base}.${field}[${i}]`, text: `${field} ${quote(list[i])}` });
        return;
      }
    }
  };
  scan('verbs', rule.verbs, (s) => s === '*');
  scan('apiGroups', rule.apiGroups, (s) => s === '*');
  scan('resources', rule.resources, (s) => s === '*' || s.startsWith('*/'));
  // Non-resource URLs only take effect in ClusterRoles; `/api/*`-style prefixes are normal, everything is not.
  if (cluster) scan('nonResourceURLs', rule.nonResourceURLs, (s) => s === '*' || s === '/*');
  return out;
}

export const wildcardPermissions: Control = {
  id: 'rbac-wildcard-permissions',
  title: 'Wildcards in Role or ClusterRole rules',
  severity: 'medium',
  family: 'rbac',
  appliesTo: ROLE_KINDS,
  scope: 'inventory',
  description:
    'Rules of Roles and ClusterRoles must not use "*" in verbs, apiGroups or resources (including "*/subresource"), nor "*" or "/*" in nonResourceURLs of a ClusterRole. ' +
    'Reported on the Role or ClusterRole, once per rule, at the first wildcard entry, naming the subjects the role is bound to (directly or through aggregation). ' +
    'Built-in roles (system:*, and the ClusterRoles cluster-admin, admin, edit and view) are not reported, nor rules written in an aggregated ClusterRole (the aggregation controller replaces them; the rules of the roles it aggregates are checked where they are written).',
  rationale:
    'A wildcard grants everything that exists now and everything added later: new verbs, new subresources and every custom resource an operator installs, including ones that hold credentials or control workloads. The role then no longer states what it allows, so least privilege cannot be reviewed.',
  remediation:
    'List the API groups, resources and verbs the role needs:\n```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: deployer\n  namespace: team-a\nrules:\n- apiGroups: ["apps"]\n  resources: ["deployments"]\n  verbs: ["get", "list", "watch", "create", "update", "patch"]\n```',
  references: [RBAC_GOOD_PRACTICES, `${RBAC_DOC}#referring-to-resources`],
  mappings: {
    cis: ['5.1.3'],
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    stride: ['E'],
    pci: ['7.2.1', '7.2.2', '7.3.2', '7.3.3'],
    hipaa: ['164.308(a)(4)(ii)(B)'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  check(target: Resource, ctx: CheckContext): Violation[] {
    const model = rbacModel(ctx);
    const role = model.roleOf(target);
    if (!role || role.builtin || role.selectors !== undefined || role.ownRules.length === 0) return NONE;
    let out = NONE;
    let grants: string | undefined;
    for (const rule of role.ownRules) {
      const w = wildcards(rule, role.kind === 'ClusterRole');
      if (w.length === 0) continue;
      grants ??= describeGrants(role, model.grantsOf(role));
      out = push(out, w[0].path, `rule uses wildcards (${w.map((x) => x.text).join(', ')}); ${grants}`);
    }
    return out;
  },
};
