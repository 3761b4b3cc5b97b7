// Generates a corpus of varied Kubernetes workload resources as one multi-document YAML file.
// Deterministic (seeded), so runs are comparable. Roughly a third of the pods break some
// Pod Security rule, the way real clusters do.
import { writeFileSync, existsSync, statSync } from 'node:fs';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const KINDS = [
  ['Deployment', 0.4],
  ['StatefulSet', 0.1],
  ['DaemonSet', 0.05],
  ['Job', 0.05],
  ['CronJob', 0.1],
  ['Pod', 0.2],
  ['Service', 0.05],
  ['ConfigMap', 0.05],
];

function pick(r, table) {
  let x = r();
  for (const [v, w] of table) {
    if ((x -= w) <= 0) return v;
  }
  return table[0][0];
}

function container(r, name, i, indent) {
  const p = ' '.repeat(indent);
  const bad = r();
  let sc;
  if (bad < 0.65) {
    sc = `${p}  securityContext:\n${p}    allowPrivilegeEscalation: false\n${p}    readOnlyRootFilesystem: true\n${p}    capabilities:\n${p}      drop: ["ALL"]\n`;
  } else if (bad < 0.75) {
    sc = `${p}  securityContext:\n${p}    privileged: true\n`;
  } else if (bad < 0.85) {
    sc = `${p}  securityContext:\n${p}    capabilities:\n${p}      add: ["NET_ADMIN", "SYS_TIME"]\n`;
  } else {
    sc = '';
  }
  return (
    `${p}- name: ${name}\n` +
    `${p}  image: registry.example.com/team-${i % 13}/svc-${i}:1.${i % 7}.${i % 11}\n` +
    `${p}  ports:\n${p}  - containerPort: ${8000 + (i % 100)}\n` +
    (r() < 0.05 ? `${p}    hostPort: ${9000 + (i % 100)}\n` : '') +
    `${p}  env:\n${p}  - name: LOG_LEVEL\n${p}    value: info\n${p}  - name: REGION\n${p}    value: eu-west-${i % 3}\n` +
    `${p}  resources:\n${p}    requests:\n${p}      cpu: 100m\n${p}      memory: 128Mi\n${p}    limits:\n${p}      cpu: 500m\n${p}      memory: 256Mi\n` +
    `${p}  readinessProbe:\n${p}    httpGet:\n${p}      path: /ready\n${p}      port: ${8000 + (i % 100)}\n` +
    sc
  );
}

function podSpec(r, i, indent) {
  const p = ' '.repeat(indent);
  let s = '';
  if (r() < 0.7) s += `${p}securityContext:\n${p}  runAsNonRoot: true\n${p}  runAsUser: ${1000 + (i % 5000)}\n${p}  seccompProfile:\n${p}    type: RuntimeDefault\n`;
  if (r() < 0.03) s += `${p}hostNetwork: true\n`;
  s += `${p}serviceAccountName: sa-${i % 17}\n`;
  if (r() < 0.2) s += `${p}initContainers:\n` + container(r, 'init', i, indent);
  s += `${p}containers:\n` + container(r, 'app', i, indent);
  if (r() < 0.3) s += container(r, 'sidecar', i + 1, indent);
  s += `${p}volumes:\n${p}- name: cache\n${p}  emptyDir: {}\n`;
  if (r() < 0.04) s += `${p}- name: host\n${p}  hostPath:\n${p}    path: /var/run\n`;
  return s;
}

function meta(i, kind) {
  return `metadata:\n  name: ${kind.toLowerCase()}-${i}\n  namespace: ns-${i % 97}\n  labels:\n    app: app-${i}\n    team: team-${i % 13}\n`;
}

export function generate(n, seed = 42) {
  const r = rng(seed);
  const docs = [];
  for (let i = 0; i < n; i++) {
    const kind = pick(r, KINDS);
    switch (kind) {
      case 'Pod':
        docs.push(`apiVersion: v1\nkind: Pod\n${meta(i, kind)}spec:\n${podSpec(r, i, 2)}`);
        break;
      case 'CronJob':
        docs.push(`apiVersion: batch/v1\nkind: CronJob\n${meta(i, kind)}spec:\n  schedule: "*/${(i % 50) + 5} * * * *"\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels:\n            app: app-${i}\n        spec:\n          restartPolicy: OnFailure\n${podSpec(r, i, 10)}`);
        break;
      case 'Service':
        docs.push(`apiVersion: v1\nkind: Service\n${meta(i, kind)}spec:\n  selector:\n    app: app-${i}\n  ports:\n  - port: 80\n    targetPort: 8080\n`);
        break;
      case 'ConfigMap':
        docs.push(`apiVersion: v1\nkind: ConfigMap\n${meta(i, kind)}data:\n  settings.yaml: |\n    level: info\n    region: eu-west-${i % 3}\n`);
        break;
      default: {
        const api = kind === 'Job' ? 'batch/v1' : 'apps/v1';
        const replicas = kind === 'Deployment' || kind === 'StatefulSet' ? `  replicas: ${1 + (i % 4)}\n` : '';
        docs.push(`apiVersion: ${api}\nkind: ${kind}\n${meta(i, kind)}spec:\n${replicas}  selector:\n    matchLabels:\n      app: app-${i}\n  template:\n    metadata:\n      labels:\n        app: app-${i}\n    spec:\n${podSpec(r, i, 6)}`);
      }
    }
  }
  return docs.join('---\n');
}

/** Writes the corpus once; reuses it when it already exists. */
export function ensureCorpus(file, n) {
  if (!existsSync(file) || statSync(file).size === 0) writeFileSync(file, generate(n));
  return statSync(file).size;
}
