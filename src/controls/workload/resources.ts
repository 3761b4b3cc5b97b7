/**
 * CPU and memory bounds of containers. Init and regular containers are checked (ephemeral containers
 * cannot declare resources). A value counts when it is in effect once the pod is admitted: set on the
 * container, set at pod level (spec.resources), injected by a LimitRange of the namespace, or — for
 * requests — copied from the container's limit by API defaulting.
 */
import { asObject, containersOf, get, type ContainerRef } from '../../core/podspec.js';
import type { CheckContext, Control, JsonObject, Mappings, PodSpecRef, Resource, Severity, Violation } from '../../core/types.js';
import { cpath, NONE, push, who, workloadControl } from '../helpers.js';
import { limitRangeDefaults, quantitySign, type NamespaceDefaults } from './common.js';

const RESOURCES_DOC = 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/';
const LIMIT_RANGE_DOC = 'https://kubernetes.io/docs/concepts/policy/limit-range/';

const q = JSON.stringify;

type ResourceName = 'cpu' | 'memory';

/** Containers that can declare resources (ephemeral containers come last and cannot). */
function sizedContainers(ref: PodSpecRef): readonly ContainerRef[] {
  const all = containersOf(ref);
  let n = all.length;
  while (n > 0 && all[n - 1].kind === 'ephemeralContainers') n--;
  return n === all.length ? all : all.slice(0, n);
}

const LIMIT_PATHS: Readonly<Record<ResourceName, string>> = { cpu: 'resources.limits.cpu', memory: 'resources.limits.memory' };
const REQUEST_PATHS: Readonly<Record<ResourceName, string>> = { cpu: 'resources.requests.cpu', memory: 'resources.requests.memory' };

function namespaceDefaults(r: Resource, ctx: CheckContext): NamespaceDefaults | undefined {
  if (r.namespace === undefined) return undefined;
  return limitRangeDefaults(ctx.inventory).get(r.namespace);
}

/** A quantity at pod level (spec.resources.<kind>.<name>) that is positive. */
function podLevel(ref: PodSpecRef, kind: 'limits' | 'requests', name: ResourceName): boolean {
  return quantitySign(get(ref.spec, 'resources', kind, name)) === 'positive';
}

/**
 * Checks that every container has `resources.limits.<name>`. Returns a violation for a missing,
 * zero or invalid value that no pod-level limit or LimitRange default makes up for.
 */
function limitCheck(name: ResourceName, what: string) {
  return (ref: PodSpecRef, r: Resource, ctx: CheckContext): Violation[] => {
    const containers = sizedContainers(ref);
    if (containers.length === 0 || podLevel(ref, 'limits', name)) return NONE;
    let out = NONE;
    let defaults: NamespaceDefaults | undefined | null = null;
    for (const c of containers) {
      const limits = asObject(get(c.container, 'resources', 'limits'));
      const v = limits?.[name];
      const path = cpath(c, LIMIT_PATHS[name]);
      if (v === undefined || v === null) {
        if (defaults === null) defaults = namespaceDefaults(r, ctx);
        if (defaults?.limits.has(name)) continue;
        out = push(out, path, `${who(c)} has no ${what} limit`);
        continue;
      }
      const sign = quantitySign(v);
      if (sign === 'zero') out = push(out, path, `${who(c)} has ${what} limit ${q(v)}, which sets no limit`);
      else if (sign === 'invalid') out = push(out, path, `${who(c)} has an invalid ${what} limit ${q(v)}`);
    }
    return out;
  };
}

function requestsCheck(ref: PodSpecRef, r: Resource, ctx: CheckContext): Violation[] {
  const containers = sizedContainers(ref);
  if (containers.length === 0) return NONE;
  let out = NONE;
  let defaults: NamespaceDefaults | undefined | null = null;
  for (const name of ['cpu', 'memory'] as const) {
    if (podLevel(ref, 'requests', name) || podLevel(ref, 'limits', name)) continue;
    for (const c of containers) {
      const res = asObject(c.container.resources);
      const requests: JsonObject | undefined = asObject(res?.requests);
      const v = requests?.[name];
      const path = cpath(c, REQUEST_PATHS[name]);
      if (v === undefined || v === null) {
        // API defaulting copies a container's limit into a missing request.
        if (quantitySign(asObject(res?.limits)?.[name]) === 'positive') continue;
        if (defaults === null) defaults = namespaceDefaults(r, ctx);
        if (defaults?.requests.has(name)) continue;
        out = push(out, path, `${who(c)} has no ${name} request`);
        continue;
      }
      const sign = quantitySign(v);
      if (sign === 'zero') out = push(out, path, `${who(c)} has ${name} request ${q(v)}, which reserves nothing`);
      else if (sign === 'invalid') out = push(out, path, `${who(c)} has an invalid ${name} request ${q(v)}`);
    }
  }
  return out;
}

const LIMIT_MAPPINGS = (extra: string[]): Mappings => ({
  nsa: ['N4'],
  mitre: ['T1496', ...extra, 'T1499'],
  cra: ['I.2(h)', 'I.2(i)'],
  gdpr: ['Art. 32'],
  stride: ['D'],
});

function limitControl(id: string, name: ResourceName, what: string, severity: Severity, title: string, rationale: string, snippet: string, mitreExtra: string[]): Control {
  return workloadControl(
    {
      id,
      title,
      severity,
      family: 'workload',
      scope: 'inventory',
      description: `Every init and regular container must have a positive resources.limits.${name}. A pod-level limit (spec.resources.limits.${name}) or a default limit from a LimitRange of type Container in the namespace (its \`default\` or \`max\`) satisfies the check. Ephemeral containers cannot declare resources and are not checked.`,
      rationale,
      remediation: `Set a limit on each container, or a default for the namespace:\n\`\`\`yaml\n${snippet}\n\`\`\``,
      references: [RESOURCES_DOC, LIMIT_RANGE_DOC],
      mappings: LIMIT_MAPPINGS(mitreExtra),
    },
    limitCheck(name, what),
  );
}

export const memoryLimit: Control = limitControl(
  'container-memory-limit',
  'memory',
  'memory',
  'medium',
  'Container has no memory limit',
  'A container without a memory limit can take all the memory of its node: the kernel then kills processes of other pods, and a leak or an attacker can take down every workload scheduled there.',
  'containers:\n- name: app\n  resources:\n    requests:\n      memory: 256Mi\n    limits:\n      memory: 512Mi\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\nspec:\n  limits:\n  - type: Container\n    default:\n      memory: 512Mi',
  [],
);

export const cpuLimit: Control = limitControl(
  'container-cpu-limit',
  'cpu',
  'CPU',
  'low',
  'Container has no CPU limit',
  'A container without a CPU limit can use every core of its node: a runaway process or a cryptominer in a compromised container starves the other workloads there.',
  'containers:\n- name: app\n  resources:\n    requests:\n      cpu: 250m\n    limits:\n      cpu: "1"\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: defaults\nspec:\n  limits:\n  - type: Container\n    default:\n      cpu: "1"',
  ['T1496.001'],
);

export const resourceRequests: Control = workloadControl(
  {
    id: 'container-resource-requests',
    title: 'Container has no CPU or memory request',
    severity: 'low',
    family: 'workload',
    scope: 'inventory',
    description:
      'Every init and regular container must request CPU and memory (resources.requests.cpu and .memory, positive). A request counts when it is written, copied from the container\'s limit by API defaulting, set at pod level (spec.resources), or injected by a LimitRange of type Container in the namespace (defaultRequest, default, max or min). Ephemeral containers cannot declare resources and are not checked.',
    rationale:
      'The scheduler places pods by their requests. Pods without requests can be packed onto nodes that cannot run them, and BestEffort pods are the first evicted under node pressure: the workload becomes unavailable exactly when the cluster is busy.',
    remediation:
      'Request what the container needs at steady state:\n```yaml\ncontainers:\n- name: app\n  resources:\n    requests:\n      cpu: 250m\n      memory: 256Mi\n```',
    references: [RESOURCES_DOC, LIMIT_RANGE_DOC, 'https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/'],
    mappings: { cra: ['I.2(h)'], gdpr: ['Art. 32'], stride: ['D'] },
  },
  requestsCheck,
);
