/**
 * Health probes of long-running workloads. Run-to-completion pods (Jobs, CronJobs, Pods with
 * restartPolicy Never or OnFailure or owned by a Job) are not checked; only regular containers are
 * (init containers cannot have these probes unless they are sidecars, ephemeral containers never).
 */
import { asObject, containersOf } from '../../core/podspec.js';
import type { Control, PodSpecRef, Violation } from '../../core/types.js';
import { cpath, NONE, push, who, workloadControl } from '../helpers.js';
import { isRunToCompletion } from './common.js';

const PROBES_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/';
const LIFECYCLE_DOC = 'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes';

export const LONG_RUNNING_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Pod', 'PodTemplate'];

const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;

function probeCheck(field: 'livenessProbe' | 'readinessProbe') {
  return (ref: PodSpecRef): Violation[] => {
    if (isRunToCompletion(ref)) return NONE;
    let out = NONE;
    for (const c of containersOf(ref)) {
      if (c.kind !== 'containers') continue;
      const p = c.container[field];
      if (p === undefined || p === null) {
        out = push(out, cpath(c, field), `${who(c)} has no ${field}`);
        continue;
      }
      const o = asObject(p);
      if (!o || !HANDLERS.some((h) => asObject(o[h]) !== undefined)) {
        out = push(out, cpath(c, field), `${who(c)} has a ${field} without a handler (exec, httpGet, tcpSocket or grpc)`);
      }
    }
    return out;
  };
}

export const livenessProbe: Control = workloadControl(
  {
    id: 'container-liveness-probe',
    title: 'Container has no liveness probe',
    severity: 'low',
    family: 'workload',
    appliesTo: LONG_RUNNING_KINDS,
    description:
      'Every regular container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod, PodTemplate) must define a livenessProbe with a handler (exec, httpGet, tcpSocket or grpc). Jobs, CronJobs and run-to-completion Pods (restartPolicy Never or OnFailure, or owned by a Job) are not checked.',
    rationale:
      'Without a liveness probe the kubelet restarts a container only when its process exits: a deadlocked or wedged process keeps its pod "Running" while the service is down.',
    remediation:
      'Add a cheap liveness check that fails only when a restart would help:\n```yaml\ncontainers:\n- name: api\n  livenessProbe:\n    httpGet:\n      path: /healthz\n      port: 8080\n    periodSeconds: 10\n    failureThreshold: 3\n```',
    references: [PROBES_DOC, LIFECYCLE_DOC],
    mappings: { cra: ['I.2(h)'], hipaa: ['164.308(a)(7)(ii)(C)'], gdpr: ['Art. 32'], stride: ['D'] },
  },
  probeCheck('livenessProbe'),
);

export const readinessProbe: Control = workloadControl(
  {
    id: 'container-readiness-probe',
    title: 'Container has no readiness probe',
    severity: 'low',
    family: 'workload',
    appliesTo: LONG_RUNNING_KINDS,
    description:
      'Every regular container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod, PodTemplate) must define a readinessProbe with a handler (exec, httpGet, tcpSocket or grpc). Jobs, CronJobs and run-to-completion Pods (restartPolicy Never or OnFailure, or owned by a Job) are not checked.',
    rationale:
      'Without a readiness probe a pod receives Service traffic as soon as its containers start, before it can serve, and keeps receiving it while overloaded or cut off from its dependencies; rolling updates then proceed over pods that do not work.',
    remediation:
      'Add a readiness check that reflects whether the container can serve requests:\n```yaml\ncontainers:\n- name: api\n  readinessProbe:\n    httpGet:\n      path: /ready\n      port: 8080\n    periodSeconds: 5\n```',
    references: [PROBES_DOC, LIFECYCLE_DOC],
    mappings: { cra: ['I.2(h)'], hipaa: ['164.308(a)(7)(ii)(C)'], gdpr: ['Art. 32'], stride: ['D'] },
  },
  probeCheck('readinessProbe'),
);
