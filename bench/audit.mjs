// npm run bench:audit — stream 1,000,000 realistic audit events through all detection rules.
// Generates the events once into .bench/audit-1m.log, then in child processes measures
//   floor: read lines + JSON.parse only (same line reader), and
//   full:  read + parse + every built-in rule.
// Prints one JSON line. Targets (issue 7): ≥ 100,000 events/s on one core, ≤ 2× the floor, constant memory.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'audit');
const N = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);

async function generate(file, n) {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const nss = ['shop', 'payments', 'default', 'monitoring', 'ci', 'kube-system', 'ingress-nginx', 'logging'];
  const users = [
    { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] },
    { username: 'system:node:worker-2', groups: ['system:nodes', 'system:authenticated'] },
    { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
    { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
    { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
    { username: 'system:serviceaccount:monitoring:prometheus', groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring', 'system:authenticated'] },
    { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] },
    { username: 'alice@example.com', groups: ['platform-team', 'system:authenticated'] },
    { username: 'bob@example.com', groups: ['developers', 'system:authenticated'] },
  ];
  const kinds = [
    ['get', 'nodes', '', false], ['update', 'leases', 'coordination.k8s.io', true], ['watch', 'pods', '', true], ['list', 'pods', '', true],
    ['get', 'configmaps', '', true], ['get', 'secrets', '', true], ['patch', 'pods', '', true, 'status'], ['list', 'endpoints', '', true],
    ['get', 'deployments', 'apps', true], ['update', 'deployments', 'apps', true, 'status'], ['create', 'events', '', true], ['list', 'services', '', true],
  ];
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const t0 = Date.parse('2026-11-30T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const ts = new Date(t0 + i * 20).toISOString().replace('Z', '123Z');
    const user = pick(users);
    let [verb, resource, group, namespaced, sub] = pick(kinds);
    const ns = namespaced ? pick(nss) : undefined;
    const name = verb === 'list' || verb === 'watch' ? undefined : `${resource.slice(0, 4)}-${Math.floor(rnd() * 5000)}`;
    let code = 200;
    let requestObject;
    const r = rnd();
    if (r < 0.002) { verb = 'create'; resource = 'pods'; sub = 'exec'; code = 101; }
    else if (r < 0.004) code = 401;
    else if (r < 0.01) code = 403;
    else if (r < 0.03) {
      verb = 'create'; resource = 'pods'; group = ''; sub = undefined; code = 201;
      requestObject = { kind: 'Pod', apiVersion: 'v1', metadata: { generateName: 'web-7d4b9c6f5-', namespace: ns ?? 'shop', labels: { app: 'web', 'pod-template-hash': '7d4b9c6f5' } },
        spec: { containers: [{ name: 'web', image: 'registry.example.com/shop/web:1.42.0', ports: [{ containerPort: 8080 }], securityContext: { privileged: rnd() < 0.01, runAsNonRoot: true }, volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }],
          volumes: rnd() < 0.02 ? [{ name: 'host', hostPath: { path: '/var/log' } }] : [{ name: 'tmp', emptyDir: {} }], serviceAccountName: 'web' } };
    }
    const base = group ? `/apis/${group}/v1` : '/api/v1';
    const e = {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: requestObject ? 'Request' : 'Metadata',
      auditID: `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-6f1e-4c2b-9a8d-${i.toString(16).padStart(12, '0')}`,
      stage: 'ResponseComplete',
      requestURI: `${base}${ns ? `/namespaces/${ns}` : ''}/${resource}${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}${verb === 'watch' ? '?allowWatchBookmarks=true&resourceVersion=812734&timeout=7m3s&watch=true' : ''}`,
      verb, user: code === 401 ? {} : user, sourceIPs: [code === 401 ? '203.0.113.45' : `10.0.${Math.floor(rnd() * 8)}.${Math.floor(rnd() * 250)}`],
      userAgent: user.username.startsWith('system:node') ? 'kubelet/v1.34.2 (linux/amd64) kubernetes/d1e9a4c' : 'kube-controller-manager/v1.34.2 (linux/amd64) kubernetes/d1e9a4c/system:serviceaccount:kube-system:replicaset-controller',
      objectRef: { resource, ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}), ...(group ? { apiGroup: group } : {}), apiVersion: 'v1', ...(sub ? { subresource: sub } : {}) },
      responseStatus: { metadata: {}, code },
      ...(requestObject ? { requestObject } : {}),
      requestReceivedTimestamp: ts, stageTimestamp: ts,
      annotations: { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': code === 403 ? '' : 'RBAC: allowed by ClusterRoleBinding "system:node" of ClusterRole "system:node" to Group "system:nodes"' },
    };
    if (!out.write(JSON.stringify(e) + '\n')) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

async function childRun(mode, file) {
  const { readAuditStream } = await import(pathToFileURL(path.join(dist, 'reader.js')).href);
  const { DetectionEngine } = await import(pathToFileURL(path.join(dist, 'engine.js')).href);
  const { BUILTIN_RULES } = await import(pathToFileURL(path.join(dist, 'rules.js')).href);
  const engine = new DetectionEngine(BUILTIN_RULES);
  let events = 0;
  let detections = 0;
  const out = [];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const onEvent = mode === 'floor'
    ? () => { events++; }
    : (e, o) => { events++; if (engine.evaluate(e, o, out)) { detections += out.length; out.length = 0; } };
  await readAuditStream(createReadStream(file, { highWaterMark: 1 << 20 }), file, onEvent, () => {});
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ mode, events, detections, wall_s: wall, cpu_s: (c.user + c.system) / 1e6, rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
}

if (process.argv[2] === '--child') {
  await childRun(process.argv[3], process.argv[4]);
} else {
  const dir = path.join(here, '..', '.bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `audit-${N}.log`);
  if (!existsSync(file)) {
    const t = Date.now();
    await generate(file + '.tmp', N);
    (await import('node:fs')).renameSync(file + '.tmp', file);
    process.stderr.write(`generated ${N} events (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const run = (mode) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, file], { encoding: 'utf8' }));
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const floors = [];
  const fulls = [];
  for (let i = 0; i < reps; i++) {
    floors.push(run('floor'));
    fulls.push(run('full'));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const floor = median(floors.map((x) => x.wall_s));
  const wall = median(fulls.map((x) => x.wall_s));
  const last = fulls[fulls.length - 1];
  // CPU time as well as wall time: on a shared, busy machine wall time mostly measures the neighbours.
  const floorCpu = median(floors.map((x) => x.cpu_s));
  const cpu = median(fulls.map((x) => x.cpu_s));
  process.stdout.write(JSON.stringify({
    bench: 'audit', case: 'analyze-1m', events: last.events, detections: last.detections, bytes: statSync(file).size,
    wall_s: +wall.toFixed(3), per_s: Math.round(last.events / wall), rss_mb: Math.max(...fulls.map((x) => x.rss_mb)),
    floor_wall_s: +floor.toFixed(3), floor_rss_mb: Math.max(...floors.map((x) => x.rss_mb)), ratio_vs_floor: +(wall / floor).toFixed(2),
    cpu_s: +cpu.toFixed(3), per_cpu_s: Math.round(last.events / cpu), floor_cpu_s: +floorCpu.toFixed(3), ratio_cpu_vs_floor: +(cpu / floorCpu).toFixed(2),
  }) + '\n');
}
