/** Required labels on Namespaces and workloads (settings.labels). */
import { settingsOf } from '../../config/defaults.js';
import { WORKLOAD_KINDS } from '../../core/kinds.js';
import { child } from '../../core/path.js';
import { asObject, quote } from '../../core/podspec.js';
import type { Control, Resource, Violation } from '../../core/types.js';
import { hasController, NONE, push, resourceControl } from '../helpers.js';

const LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/';
const COMMON_LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/';

/** Violations for each required label that is absent, null, empty (or blank), or not a string. */
function missingLabels(r: Resource, required: readonly string[], subject: string): Violation[] {
  if (required.length === 0) return NONE;
  const labels = asObject(r.metadata.labels);
  let out = NONE;
  for (const key of required) {
    if (typeof key !== 'string' || key === '') continue;
    const path = child('metadata.labels', key);
    const v = labels?.[key];
    if (v === undefined || v === null) out = push(out, path, `${subject} has no ${quote(key)} label`);
    else if (typeof v !== 'string') out = push(out, path, `${subject} label ${quote(key)} is not a string (${String(v)}); quote it: the API server rejects non-string label values`);
    else if (v.trim() === '') out = push(out, path, `${subject} has an empty ${quote(key)} label`);
  }
  return out;
}

const MAPPINGS = { nist80190: ['4.3.4'], stride: ['R' as const] };

export const namespaceRequiredLabels: Control = resourceControl(
  {
    id: 'namespace-required-labels',
    title: 'Namespace lacks required labels',
    severity: 'low',
    family: 'governance',
    appliesTo: ['Namespace'],
    scope: 'resource',
    description:
      'Every Namespace must carry each label listed in settings.labels.namespaces (default: owner, data-class) with a non-empty value. A label whose value is empty, blank or not a string counts as missing.',
    rationale:
      'Owner and data-class labels are what accountability and data-protection policies key on: who answers for a namespace, which namespaces hold personal, health or cardholder data, where stricter network, runtime and residency rules apply. An unlabelled namespace escapes those policies and cannot be traced to an owner.',
    remediation:
      'Add the labels to the Namespace:\n```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels:\n    owner: team-payments\n    data-class: cardholder\n```',
    references: [LABELS_DOC, 'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/'],
    mappings: MAPPINGS,
    isActive: (config) => settingsOf(config).labels.namespaces.length > 0,
  },
  (r, ctx) => missingLabels(r, settingsOf(ctx.config).labels.namespaces, `namespace ${quote(r.name)}`),
);

export const workloadRequiredLabels: Control = resourceControl(
  {
    id: 'workload-required-labels',
    title: 'Workload lacks required labels',
    severity: 'low',
    family: 'governance',
    appliesTo: WORKLOAD_KINDS,
    scope: 'resource',
    description:
      'Every workload object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) must carry each label listed in settings.labels.workloads (default: owner) on its own metadata, with a non-empty string value. ' +
      'Objects managed by a controller (an ownerReference with controller: true, e.g. the ReplicaSets of a Deployment or the Pods of a Job) are skipped: their labels come from their owner\'s template, and the owner is checked.',
    rationale:
      'Ownership labels make every running workload attributable: incident responders, cost reports and policy exceptions find the team that answers for it. Workloads without them are orphaned as soon as their author moves on.',
    remediation:
      'Label the workload object itself (and, usually, its pod template too):\n```yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n  labels:\n    owner: team-checkout\n    app.kubernetes.io/name: checkout\nspec:\n  template:\n    metadata:\n      labels:\n        owner: team-checkout\n        app.kubernetes.io/name: checkout\n```',
    references: [LABELS_DOC, COMMON_LABELS_DOC],
    mappings: MAPPINGS,
    isActive: (config) => settingsOf(config).labels.workloads.length > 0,
  },
  (r, ctx) => {
    if (hasController(r)) return NONE;
    return missingLabels(r, settingsOf(ctx.config).labels.workloads, `${r.kind} ${quote(r.name)}`);
  },
);
