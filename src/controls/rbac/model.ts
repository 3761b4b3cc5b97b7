/**
 * The RBAC model of a scan, built once (ctx.inventory.memo) and shared by the rbac controls.
 *
 * Semantics follow the Kubernetes RBAC authorizer (pkg/apis/rbac/v1/evaluation_helpers.go and
 * plugin/pkg/auth/authorizer/rbac):
 *  - a rule allows a resource request when a verb matches (`*` or exact), an API group matches (`*` or
 *    exact; "" is the core group), a resource matches and, when the rule lists resourceNames, the
 *    requested name is one of them;
 *  - resources: `*` matches every resource and every subresource; `pods/exec` matches exactly that
 *    subresource (never `pods` itself); `*\/scale` matches the `scale` subresource of every resource.
 *    There is no other wildcard: `pods/*` is a literal that matches nothing;
 *  - create (and deletecollection) requests carry no object name, so a rule with resourceNames never
 *    allows creating top-level objects; subresource creates (pods/exec, serviceaccounts/token) do
 *    carry the parent's name;
 *  - nonResourceURLs: `*`, exact, or a trailing-`*` prefix; they only take effect in ClusterRoles
 *    bound by ClusterRoleBindings;
 *  - matching is case-sensitive, and a null list entry decodes (as in Go) to "".
 *
 * Roles: Roles and ClusterRoles of the input. A ClusterRole with an aggregationRule has its rules
 * managed by the aggregation controller: they are the union of the rules of every other ClusterRole
 * matched by one of its clusterRoleSelectors (transitively, since aggregated roles can themselves be
 * aggregated), and rules written in the aggregating role itself are overwritten. Built-in roles the
 * input does not contain are modelled only as far as they are fixed facts: cluster-admin (every verb
 * on everything) and the aggregation selectors of admin, edit and view (so ClusterRoles of the input
 * labelled `rbac.authorization.k8s.io/aggregate-to-edit: "true"` are known to reach whoever holds
 * edit, and through it admin). The version-dependent built-in content of admin/edit/view is not
 * assumed.
 *
 * Bindings: RoleBindings and ClusterRoleBindings resolved to the role they reference. A RoleBinding
 * to a ClusterRole grants its rules inside the binding's namespace only; rules for cluster-scoped
 * resources and non-resource URLs are then not granted. Subjects of kind ServiceAccount in a
 * RoleBinding default to the binding's namespace.
 */
import { asArray, asObject, asString, isObject, quote } from '../../core/podspec.js';
import { selectorMatches } from '../../core/selector.js';
import type { CheckContext, Resource } from '../../core/types.js';

export const RBAC_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/';
export const RBAC_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';

export const ROLE_KINDS: readonly string[] = ['Role', 'ClusterRole'];
export const BINDING_KINDS: readonly string[] = ['RoleBinding', 'ClusterRoleBinding'];

// ---------------------------------------------------------------- rules

export interface Rule {
  /** Index in the owning role's `rules`. */
  index: number;
  verbs: readonly string[];
  apiGroups: readonly string[];
  resources: readonly string[];
  resourceNames: readonly string[];
  nonResourceURLs: readonly string[];
}

/** A `[]string` field as the API server decodes it: null entries are "", other non-strings are dropped (the object would be rejected). */
function strings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v) {
    if (typeof x === 'string') out.push(x);
    else if (x === null) out.push('');
  }
  return out;
}

function readRules(v: unknown): Rule[] {
  const list = asArray(v);
  const out: Rule[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = asObject(list[i]);
    if (!r) continue;
    out.push({
      index: i,
      verbs: strings(r.verbs),
      apiGroups: strings(r.apiGroups),
      resources: strings(r.resources),
      resourceNames: strings(r.resourceNames),
      nonResourceURLs: strings(r.nonResourceURLs),
    });
  }
  return out;
}

export function verbMatches(rule: Rule, verb: string): boolean {
  for (const v of rule.verbs) if (v === '*' || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: Rule, group: string): boolean {
  for (const g of rule.apiGroups) if (g === '*' || g === group) return true;
  return false;
}

/** ResourceMatches of the RBAC authorizer: `resource` is `pods` or `pods/exec`. Returns the index of the matching entry, or -1. */
export function resourceMatchIndex(rule: Rule, resource: string): number {
  const slash = resource.indexOf('/');
  const sub = slash < 0 ? '' : resource.slice(slash + 1);
  for (let i = 0; i < rule.resources.length; i++) {
    const r = rule.resources[i];
    if (r === '*' || r === resource) return i;
    if (sub !== '' && r.length === sub.length + 2 && r.startsWith('*/') && r.endsWith(sub)) return i;
  }
  return -1;
}

export function nonResourceURLMatches(rule: Rule, url: string): boolean {
  for (const u of rule.nonResourceURLs) {
    if (u === '*' || u === url) return true;
    if (u.endsWith('*') && url.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** Every verb on every resource of every API group, for any object name. */
export function isFullWildcard(rule: Rule): boolean {
  return rule.verbs.includes('*') && rule.apiGroups.includes('*') && rule.resources.includes('*') && rule.resourceNames.length === 0;
}

// ---------------------------------------------------------------- roles

export interface RoleInfo {
  /** The object of the input; undefined for a built-in role the input does not contain. */
  resource: Resource | undefined;
  kind: 'Role' | 'ClusterRole';
  name: string;
  /** For Roles. */
  namespace: string | undefined;
  /** A well-known built-in role (system:*, or the ClusterRoles cluster-admin, admin, edit, view). */
  builtin: boolean;
  /** String-valued labels (the API server rejects other values). */
  labels: Readonly<Record<string, string>>;
  /** The aggregationRule's selectors; undefined when the role is not aggregated. */
  selectors: readonly unknown[] | undefined;
  /** Rules written in the role (for an aggregated role: overwritten by the controller, not effective). */
  ownRules: readonly Rule[];
  /** The rules the role grants, each with the role that holds it. */
  effective: readonly SourcedRule[];
  /** Aggregated ClusterRoles whose effective rules include this role's rules. */
  aggregatedInto: readonly RoleInfo[];
  /** For an aggregated built-in role the input does not define: its built-in rules are unknown. */
  partial: boolean;
}

export interface SourcedRule {
  rule: Rule;
  /** The role whose `rules` hold it (differs from the bound role through aggregation). */
  role: RoleInfo;
}

/** Built-in ClusterRoles without the `system:` prefix. */
const BUILTIN_CLUSTER_ROLES: ReadonlySet<string> = new Set(['cluster-admin', 'admin', 'edit', 'view']);

export function isBuiltinRoleName(kind: string, name: string): boolean {
  return name.startsWith('system:') || (kind === 'ClusterRole' && BUILTIN_CLUSTER_ROLES.has(name));
}

/** ClusterRoles that only let clients discover the API, check health and read public key material (the built-in bindings give them to every user). */
export const DISCOVERY_ROLES: ReadonlySet<string> = new Set(['system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:service-account-issuer-discovery']);
/** The subset the built-in policy (or the documented OIDC-discovery setup) also gives to unauthenticated clients. */
export const PUBLIC_ROLES: ReadonlySet<string> = new Set(['system:public-info-viewer', 'system:service-account-issuer-discovery']);

const AGG = 'rbac.authorization.k8s.io/aggregate-to-';

/** Built-in ClusterRoles the model knows without the input defining them. */
function implicitClusterRoles(): { name: string; labels: Record<string, string>; selectors?: unknown[]; rules: Rule[] }[] {
  const all = (index: number): Rule => ({ index, verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [], nonResourceURLs: [] });
  return [
    {
      name: 'cluster-admin',
      labels: {},
      rules: [all(0), { index: 1, verbs: ['*'], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: ['*'] }],
    },
    { name: 'admin', labels: {}, selectors: [{ matchLabels: { [`${AGG}admin`]: 'true' } }], rules: [] },
    { name: 'edit', labels: { [`${AGG}admin`]: 'true' }, selectors: [{ matchLabels: { [`${AGG}edit`]: 'true' } }], rules: [] },
    { name: 'view', labels: { [`${AGG}edit`]: 'true' }, selectors: [{ matchLabels: { [`${AGG}view`]: 'true' } }], rules: [] },
  ];
}

function stringLabels(v: unknown): Record<string, string> {
  const o = asObject(v);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) if (typeof x === 'string') out[k] = x;
  return out;
}

interface MutableRole extends RoleInfo {
  effective: SourcedRule[];
  aggregatedInto: RoleInfo[];
}

function readRole(r: Resource): MutableRole {
  const kind = r.kind === 'ClusterRole' ? 'ClusterRole' : 'Role';
  const agg = kind === 'ClusterRole' ? r.object.aggregationRule : undefined;
  let selectors: unknown[] | undefined;
  if (agg !== undefined && agg !== null) {
    // A null selector entry decodes to the empty selector, which selects every ClusterRole.
    selectors = isObject(agg) ? asArray(agg.clusterRoleSelectors).map((s) => (s === null ? {} : s)) : [];
  }
  const ownRules = readRules(r.object.rules);
  return {
    resource: r,
    kind,
    name: r.name,
    namespace: kind === 'Role' ? r.namespace : undefined,
    builtin: isBuiltinRoleName(kind, r.name),
    labels: stringLabels(r.metadata.labels),
    selectors,
    ownRules,
    effective: [],
    aggregatedInto: [],
    partial: false,
  };
}

// ---------------------------------------------------------------- bindings

export interface SubjectInfo {
  /** Index in `subjects`. */
  index: number;
  kind: string;
  name: string;
  /** For ServiceAccounts: the subject's namespace, defaulted to a RoleBinding's namespace. */
  namespace: string | undefined;
}

export interface BindingInfo {
  resource: Resource;
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  /** Where the grant applies: the RoleBinding's namespace, undefined for a ClusterRoleBinding (cluster-wide). */
  namespace: string | undefined;
  roleRefKind: string | undefined;
  roleRefName: string | undefined;
  /** The role it resolves to, or undefined when the input does not define it (and it is not a known built-in). */
  role: RoleInfo | undefined;
  subjects: readonly SubjectInfo[];
}

/** A binding read on its own (role not resolved): what the resource-scope controls need. */
export function readBinding(r: Resource): BindingInfo {
  const kind = r.kind === 'ClusterRoleBinding' ? 'ClusterRoleBinding' : 'RoleBinding';
  const namespace = kind === 'RoleBinding' ? r.namespace : undefined;
  const ref = asObject(r.object.roleRef);
  return {
    resource: r,
    kind,
    name: r.name,
    namespace,
    roleRefKind: asString(ref?.kind),
    roleRefName: asString(ref?.name),
    role: undefined,
    subjects: readSubjects(r.object.subjects, namespace),
  };
}

function readSubjects(v: unknown, bindingNamespace: string | undefined): SubjectInfo[] {
  const list = asArray(v);
  const out: SubjectInfo[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = asObject(list[i]);
    if (!s) continue;
    const kind = asString(s.kind) ?? '';
    const name = asString(s.name);
    if (name === undefined || name === '') continue;
    let namespace: string | undefined;
    if (kind === 'ServiceAccount') {
      const ns = asString(s.namespace);
      namespace = ns !== undefined && ns !== '' ? ns : bindingNamespace;
    }
    out.push({ index: i, kind, name, namespace });
  }
  return out;
}

// ---------------------------------------------------------------- model

export interface Grant {
  binding: BindingInfo;
  /** Through which aggregated role, when not direct. */
  via: RoleInfo | undefined;
}

export interface RbacModel {
  roleOf(r: Resource): RoleInfo | undefined;
  bindingOf(r: Resource): BindingInfo | undefined;
  /** Bindings that grant the role's rules: directly, or through the aggregated ClusterRoles that include it. */
  grantsOf(role: RoleInfo): readonly Grant[];
}

const NO_GRANTS: readonly Grant[] = Object.freeze([]) as readonly Grant[];

/** The RBAC model of this scan (built once). */
export function rbacModel(ctx: CheckContext): RbacModel {
  return ctx.inventory.memo('rbac/model', () => buildModel(ctx));
}

function buildModel(ctx: CheckContext): RbacModel {
  const inv = ctx.inventory;
  const byResource = new Map<Resource, MutableRole>();
  const clusterRoles = new Map<string, MutableRole>();
  const roles = new Map<string, MutableRole>();
  const allClusterRoles: MutableRole[] = [];
  for (const r of inv.byKind('ClusterRole')) {
    const info = readRole(r);
    byResource.set(r, info);
    allClusterRoles.push(info);
    clusterRoles.set(info.name, info); // a later duplicate replaces an earlier one, as apply would
  }
  for (const r of inv.byKind('Role')) {
    const info = readRole(r);
    byResource.set(r, info);
    roles.set(`${info.namespace ?? ''}\u0000${info.name}`, info);
  }
  for (const b of implicitClusterRoles()) {
    if (clusterRoles.has(b.name)) continue;
    const info: MutableRole = {
      resource: undefined,
      kind: 'ClusterRole',
      name: b.name,
      namespace: undefined,
      builtin: true,
      labels: b.labels,
      selectors: b.selectors,
      ownRules: b.rules,
      effective: [],
      aggregatedInto: [],
      partial: b.selectors !== undefined,
    };
    clusterRoles.set(b.name, info);
    allClusterRoles.push(info);
  }

  // Effective rules: own rules, or for aggregated ClusterRoles the union over the selected leaves.
  for (const role of byResource.values()) if (role.selectors === undefined) for (const rule of role.ownRules) role.effective.push({ rule, role });
  for (const role of clusterRoles.values()) if (role.resource === undefined && role.selectors === undefined) for (const rule of role.ownRules) role.effective.push({ rule, role });
  const aggregated = allClusterRoles.filter((r) => r.selectors !== undefined);
  if (aggregated.length > 0) {
    const selected = new Map<MutableRole, MutableRole[]>();
    for (const a of aggregated) {
      const out: MutableRole[] = [];
      for (const c of allClusterRoles) {
        if (c === a || c.name === a.name) continue;
        if (a.selectors!.some((s) => selectorMatches(s, c.labels))) out.push(c);
      }
      selected.set(a, out);
    }
    for (const a of aggregated) {
      const leaves = new Set<MutableRole>();
      const seen = new Set<MutableRole>([a]);
      const queue = [...selected.get(a)!];
      while (queue.length > 0) {
        const c = queue.pop()!;
        if (seen.has(c)) continue;
        seen.add(c);
        if (c.selectors === undefined) leaves.add(c);
        else {
          if (c.partial) a.partial = true;
          queue.push(...selected.get(c)!);
        }
      }
      for (const leaf of leaves) {
        for (const rule of leaf.ownRules) a.effective.push({ rule, role: leaf });
        leaf.aggregatedInto.push(a);
      }
    }
  }

  // Bindings.
  const bindings = new Map<Resource, BindingInfo>();
  const direct = new Map<RoleInfo, BindingInfo[]>();
  for (const kind of BINDING_KINDS) {
    for (const r of inv.byKind(kind)) {
      const info = readBinding(r);
      if (info.roleRefName !== undefined) {
        if (info.roleRefKind === 'ClusterRole') info.role = clusterRoles.get(info.roleRefName);
        else if (info.roleRefKind === 'Role' && info.kind === 'RoleBinding') info.role = roles.get(`${info.namespace ?? ''}\u0000${info.roleRefName}`);
      }
      bindings.set(r, info);
      if (info.role) {
        let l = direct.get(info.role);
        if (!l) direct.set(info.role, (l = []));
        l.push(info);
      }
    }
  }

  const grantCache = new Map<RoleInfo, readonly Grant[]>();
  return {
    roleOf: (r) => byResource.get(r),
    bindingOf: (r) => bindings.get(r),
    grantsOf(role: RoleInfo): readonly Grant[] {
      let g = grantCache.get(role);
      if (g) return g;
      const out: Grant[] = [];
      for (const b of direct.get(role) ?? []) out.push({ binding: b, via: undefined });
      for (const a of role.aggregatedInto) for (const b of direct.get(a) ?? []) out.push({ binding: b, via: a });
      g = out.length > 0 ? out : NO_GRANTS;
      grantCache.set(role, g);
      return g;
    },
  };
}

// ---------------------------------------------------------------- subjects

const SA_USER_PREFIX = 'system:serviceaccount:';
const SA_GROUP = 'system:serviceaccounts';

/** Groups with `system:` names that stand for many or all clients rather than a control-plane component. */
function isBroadSystemGroup(name: string): boolean {
  return name === 'system:authenticated' || name === 'system:unauthenticated' || name === SA_GROUP || name.startsWith(`${SA_GROUP}:`);
}

/**
 * A subject that is a Kubernetes component rather than a person or a workload: users and groups named
 * `system:…` (kube-scheduler, nodes, system:masters, bootstrappers …) except system:anonymous, the
 * broad groups (system:authenticated, system:unauthenticated, system:serviceaccounts[:ns]) and service
 * account user names; plus service accounts of kube-system bound by a `system:` binding (the
 * controller-manager's bootstrap bindings). Anything else, including every other service account, is
 * not a system subject.
 */
export function isSystemSubject(s: SubjectInfo, b: BindingInfo): boolean {
  if (s.kind === 'User') return s.name.startsWith('system:') && s.name !== 'system:anonymous' && !s.name.startsWith(SA_USER_PREFIX);
  if (s.kind === 'Group') return s.name.startsWith('system:') && !isBroadSystemGroup(s.name);
  if (s.kind === 'ServiceAccount') return s.namespace === 'kube-system' && b.name.startsWith('system:');
  return false;
}

/** `User "alice"`, `Group "devs"`, `ServiceAccount "ci/deployer"`. */
export function describeSubject(s: SubjectInfo): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount ${quote(s.namespace !== undefined ? `${s.namespace}/${s.name}` : s.name)}`;
  return `${s.kind || 'subject'} ${quote(s.name)}`;
}

export function describeSubjects(list: readonly SubjectInfo[], max = 3): string {
  const shown = list.slice(0, max).map(describeSubject).join(', ');
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

/** `cluster-wide` or `in namespace "team-a"`. */
export function describeScope(b: BindingInfo): string {
  return b.namespace === undefined ? 'cluster-wide' : `in namespace ${quote(b.namespace)}`;
}

export function describeRole(role: RoleInfo): string {
  return `${role.kind} ${quote(role.name)}`;
}

/** Path of a binding's role reference (or of the binding's root when it has none). */
export function roleRefPath(b: BindingInfo): string {
  return isObject(b.resource.object.roleRef) ? 'roleRef.name' : 'roleRef';
}

/** The subjects of a binding for which a grant is reported. */
export function nonSystemSubjects(b: BindingInfo): SubjectInfo[] {
  return b.subjects.filter((s) => !isSystemSubject(s, b));
}

/** "bound to User "alice" (cluster-wide), …" or a note that nothing in the input binds the role. */
export function describeGrants(role: RoleInfo, grants: readonly Grant[], max = 3): string {
  if (grants.length === 0) {
    return role.aggregatedInto.length > 0
      ? `aggregated into ${role.aggregatedInto.slice(0, max).map(describeRole).join(', ')}, not bound in the scanned input`
      : 'not bound in the scanned input';
  }
  const parts: string[] = [];
  let total = 0;
  for (const g of grants) {
    for (const s of g.binding.subjects) {
      total++;
      if (parts.length < max) parts.push(`${describeSubject(s)} (${describeScope(g.binding)}${g.via ? ` via ${describeRole(g.via)}` : ''})`);
    }
  }
  if (total === 0) return 'bound without subjects';
  return `bound to ${parts.join(', ')}${total > max ? ` and ${total - max} more` : ''}`;
}

/** The subject is the default service account of a namespace (or a group that includes every default service account). */
export function defaultServiceAccountOf(s: SubjectInfo): { what: string } | undefined {
  if (s.kind === 'ServiceAccount' && s.name === 'default') {
    return { what: s.namespace !== undefined ? `the default service account of namespace ${quote(s.namespace)}` : 'a default service account' };
  }
  if (s.kind === 'User' && s.name.startsWith(SA_USER_PREFIX)) {
    const rest = s.name.slice(SA_USER_PREFIX.length);
    const colon = rest.indexOf(':');
    if (colon > 0 && rest.slice(colon + 1) === 'default') return { what: `the default service account of namespace ${quote(rest.slice(0, colon))} (as User ${quote(s.name)})` };
  }
  if (s.kind === 'Group' && s.name === SA_GROUP) return { what: `every service account of the cluster, default ones included (Group ${quote(s.name)})` };
  if (s.kind === 'Group' && s.name.startsWith(`${SA_GROUP}:`)) {
    return { what: `every service account of namespace ${quote(s.name.slice(SA_GROUP.length + 1))}, the default one included (Group ${quote(s.name)})` };
  }
  return undefined;
}

