import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { AdmissionConfigError, createDecider, isAdmissionGuard } from '../admission/index.js';
import type { GatedDecider } from '../admission/images.js';
import { loadImagePolicies, registryClient } from './sign.js';
import { defaultAdmissionSettings, defaultExceptionPolicy } from '../config/defaults.js';
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { formatVersion } from '../controls/pod-security/version.js';
import { selectControls, withSeverities } from '../controls/select.js';
import type { ScanConfig } from '../core/types.js';
import { TOOL } from '../core/version.js';
import { knownBuiltinControl } from '../scanner.js';
import { generateCa, issueServingCert } from '../server/certs.js';
import { ClusterExceptionSource } from '../server/cluster-exceptions.js';
import { ExceptionSet, formatDiagnosticLine } from '../server/exceptions.js';
import { checkServerUrl, inClusterConnection, KubeConfigError, SERVICE_ACCOUNT_DIR, type KubeConnection } from '../server/kube.js';
import { ServerMetrics } from '../server/metrics.js';
import { createAdmissionServer, type TlsSource } from '../server/server.js';
import { podSecurityOf, readFileConfig } from './scan.js';
import { addAuditOptions, auditSetupOf, type AuditFlags } from './serve-audit.js';
import { collectList, EXIT_OK, pssLevelOption, pssVersionOption, UsageError } from './util.js';

interface ServeFlags extends AuditFlags {
  tlsCert?: string;
  tlsKey?: string;
  selfSigned?: boolean;
  certDir?: string;
  address: string;
  port: string;
  config?: string | false;
  exceptions: string[];
  pssLevel: string;
  pssVersion: string;
  shutdownTimeout: string;
  shutdownDelay: string;
  logRequests?: boolean;
  clusterExceptions?: boolean;
  kubeApi?: string;
  kubeCa?: string;
  kubeTokenFile?: string;
  clusterExceptionsWait: string;
  imagePolicy: string[];
  imageVerifyBudget: string;
  registryCaFile?: string;
  insecureRegistry: string[];
  vulnDb?: string;
}

function seconds(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`invalid ${flag} "${value}": expected a number of seconds from 0 to ${max}`);
  return n;
}

export function serveCommand(): Command {
  return addAuditOptions(new Command('serve')
    .summary('run the admission webhook (HTTPS)')
    .description(
      'Run the validating admission webhook: an HTTPS server that judges each AdmissionReview the API server ' +
        'sends with the same controls as "kubecomply scan", the admission safeguards and the ' +
        'ComplianceExceptions in force, and answers allow, deny or warn. Settings come from kubecomply.yaml ' +
        '(admission: mode, namespaceModes, administrators, controls, failurePolicy …). The certificate and key ' +
        'files are reloaded when they change on disk (cert-manager, a rotated Secret), and so are the ' +
        'exception files. With --cluster-exceptions it also lists and watches the ComplianceException ' +
        'resources of the cluster (its only use of the Kubernetes API: get, list and watch on ' +
        'complianceexceptions.kubecomply.io). SIGTERM or SIGINT drains: readiness turns 503, new ' +
        'connections are refused, reviews in flight are answered, then the process exits 0.',
    )
    .option('--tls-cert <file>', 'serving certificate, PEM (the leaf first, then any intermediates); required unless --self-signed')
    .option('--tls-key <file>', 'private key of --tls-cert, PEM')
    .option('--self-signed', 'generate a throwaway CA and a certificate for localhost/127.0.0.1/::1 (local trials; never in a cluster)')
    .option('--cert-dir <dir>', 'with --self-signed: write ca.crt, tls.crt and tls.key here and keep them (default: a temporary directory removed on exit)')
    .option('--address <address>', 'address to listen on ("::" for every IPv6 and IPv4 address)', '0.0.0.0')
    .option('--port <port>', 'port to listen on (0: any free port, printed on start)', '8443')
    .option('-c, --config <file>', 'settings file (default: ./kubecomply.yaml when it exists)')
    .option('--no-config', 'ignore ./kubecomply.yaml: built-in settings')
    .option('--exceptions <paths>', 'files or directories of ComplianceException documents (repeatable, comma-separated), in addition to kubecomply.yaml exceptions.files; re-read when they change', collectList, [])
    .addOption(pssLevelOption())
    .addOption(pssVersionOption())
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long reviews in flight may take before their connections are closed', '25')
    .option('--shutdown-delay <seconds>', 'on SIGTERM, keep serving this long with readiness 503 first, so that the Service stops sending new connections before the listener closes', '0')
    .option('--log-requests', 'one JSON access-log line per request on stderr (method, path, status, ms, and for reviews mode, result, kind, operation, controls)')
    .option('--cluster-exceptions', 'also honour the ComplianceException resources of the cluster (every namespace), listed and watched through the Kubernetes API; judged like the exception files')
    .option('--kube-api <url>', 'with --cluster-exceptions: the API server URL, https (default: in-cluster, from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT)')
    .option('--kube-ca <file>', `with --cluster-exceptions: CA bundle (PEM) that verifies the API server (default: ${SERVICE_ACCOUNT_DIR}/ca.crt in the cluster; with --kube-api, the system CAs)`)
    .option('--kube-token-file <file>', `with --cluster-exceptions: file holding the bearer token, re-read every minute (default: ${SERVICE_ACCOUNT_DIR}/token)`)
    .option('--image-policy <file>', 'ImagePolicy documents (repeatable): verify the signatures and attestations of the images pods run (as kubecomply verify --policy)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--image-verify-budget <ms>', "with --image-policy: time budget for one request's image verification; past it the registry counts as unreachable (the policy's onRegistryError decides)", '5000')
    .option('--registry-ca-file <file>', 'with --image-policy: extra CA certificates (PEM) for the registries')
    .option('--insecure-registry <host>', 'with --image-policy: a registry that may be spoken to over plain HTTP (repeatable; loopback always may)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--vuln-db <file>', "with --image-policy: the vulnerability index for policies' maxSeverity (default: kubecomply vuln db import's cache)")
    .option('--cluster-exceptions-wait <seconds>', 'with --cluster-exceptions: /readyz waits at most this long for the first list, then turns ready without the cluster exceptions (logged)', '10')
    .addHelpText(
      'after',
      `
Routes (HTTPS, HTTP/1.1 with keep-alive):
  POST /validate                    review; the mode comes from kubecomply.yaml (namespaceModes, else mode)
  POST /validate/enforce|warn|audit review in that mode (the webhook configuration picks it per namespace label)
  POST /audit                       with --audit: the API server's audit webhook backend (audit.k8s.io/v1 EventList
                                    bodies); 200 once the audit rules have run, 400 for a body that is not one
  GET  /audit/findings              with --audit: the newest detections as JSON (?after=SEQ&severity=high&rule=ID&limit=N)
  GET  /healthz                     200 while the process runs (liveness)
  GET  /readyz                      200 once the settings and certificate are loaded (and, with --cluster-exceptions,
                                    the first list is done or --cluster-exceptions-wait passed); 503 while shutting down
  GET  /metrics                     Prometheus text format: kubecomply_admission_reviews_total{mode,result,kind,operation},
                                    kubecomply_admission_control_violations_total{control,mode},
                                    kubecomply_admission_exceptions_used_total{exception},
                                    kubecomply_admission_review_duration_seconds (histogram),
                                    kubecomply_admission_request_errors_total{reason}, TLS reloads and expiry, uptime,
                                    kubecomply_exceptions{source,state}, kubecomply_exception_source_synced{source},
                                    kubecomply_exception_source_errors_total{source,reason}

Cluster exceptions (--cluster-exceptions):
  The server lists GET /apis/kubecomply.io/v1alpha1/complianceexceptions (all namespaces, in pages), then
  watches it from the list's resourceVersion (with bookmarks); 410 Gone or a broken watch relists, other
  failures retry with capped exponential backoff (1 s … 30 s, jittered). Each request has a deadline.
  Cluster exceptions are judged exactly like the files (approver, approval date, expiry, exceptions.maxDays,
  justification); one with the namespace/name of a file exception is a duplicate and not honoured. They
  are named cluster:complianceexceptions/<namespace>/<name> in logs. While the API cannot be read, the last
  known ones stay in force; errors are logged when the state changes and counted in
  kubecomply_exception_source_errors_total{source,reason}; kubecomply_exception_source_synced{source} is 0.
  Readiness: /readyz is 200 after the first complete list, or after --cluster-exceptions-wait seconds
  without one (logged: until the list succeeds, denials the cluster exceptions would excuse stand).

Bad requests never stop the server: a wrong method is answered 405, an unknown path 404, a content type
other than application/json 415, a body over 3 MiB 413, invalid UTF-8 or JSON 400, a client too slow to
send its request 408; each is counted in kubecomply_admission_request_errors_total.

Examples:
  # in a cluster (what "kubecomply install" runs)
  kubecomply serve --tls-cert /etc/kubecomply/tls/tls.crt --tls-key /etc/kubecomply/tls/tls.key \\
    --config /etc/kubecomply/config/kubecomply.yaml --cluster-exceptions

  # out of the cluster: cluster exceptions through an explicit API server, CA and token
  kubecomply serve --self-signed --cluster-exceptions --kube-api https://api.example.com:6443 \\
    --kube-ca ca.crt --kube-token-file token

  # try it locally: a throwaway certificate, then send it a review with curl
  kubecomply serve --self-signed --port 8443 --address 127.0.0.1
  curl --cacert <the ca.crt it printed> -H 'Content-Type: application/json' \\
    --data @review.json https://localhost:8443/validate/enforce

  # baseline Pod Security at Kubernetes 1.30, exceptions from a directory, an access log
  kubecomply serve --tls-cert tls.crt --tls-key tls.key --pss-level baseline --pss-version v1.30 \\
    --exceptions exceptions/ --log-requests

  # a Service in front: stop getting new connections for 5 s before closing, 20 s to finish the rest
  kubecomply serve --tls-cert tls.crt --tls-key tls.key --shutdown-delay 5 --shutdown-timeout 20

Exit codes:
  0  stopped by SIGTERM or SIGINT after draining
  2  usage error, an invalid kubecomply.yaml or exception file, unreadable certificate, the port is in use,
     or --cluster-exceptions outside a pod without --kube-api, or an unreadable --kube-ca/--kube-token-file`,
    )
  ).action(async (flags: ServeFlags, cmd: Command) => {
      process.exitCode = await runServe(flags, cmd);
    });
}

function scanConfigOf(flags: ServeFlags, cmd: Command, file: ReturnType<typeof readFileConfig>): { config: ScanConfig; notes: string[] } {
  const { pss, notes } = podSecurityOf(flags, cmd, file);
  return { config: { pss, defaultNamespace: 'default', ...(file ? { settings: file.settings } : {}) }, notes };
}

function readable(file: string, flag: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Where --cluster-exceptions reads the API: the flags, else the pod's environment and service account files. */
function kubeConnectionOf(flags: ServeFlags): KubeConnection | undefined {
  const given = (['kubeApi', 'kubeCa', 'kubeTokenFile'] as const).filter((k) => flags[k] !== undefined);
  if (!flags.clusterExceptions) {
    if (given.length > 0) throw new UsageError(`--${given[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for --cluster-exceptions`, 'add --cluster-exceptions to honour the ComplianceExceptions of the cluster');
    return undefined;
  }
  try {
    if (flags.kubeApi !== undefined) {
      const server = checkServerUrl(flags.kubeApi);
      if (flags.kubeCa !== undefined) readable(flags.kubeCa, '--kube-ca');
      const tokenFile = flags.kubeTokenFile ?? path.join(SERVICE_ACCOUNT_DIR, 'token');
      if (flags.kubeTokenFile !== undefined) readable(flags.kubeTokenFile, '--kube-token-file');
      return { server, tokenFile, ...(flags.kubeCa !== undefined ? { caFile: flags.kubeCa } : {}) };
    }
    const c = inClusterConnection();
    if (flags.kubeCa !== undefined) readable(flags.kubeCa, '--kube-ca');
    if (flags.kubeTokenFile !== undefined) readable(flags.kubeTokenFile, '--kube-token-file');
    return { ...c, ...(flags.kubeCa !== undefined ? { caFile: flags.kubeCa } : {}), ...(flags.kubeTokenFile !== undefined ? { tokenFile: flags.kubeTokenFile } : {}) };
  } catch (e) {
    if (e instanceof KubeConfigError) {
      throw new UsageError(`--cluster-exceptions: ${e.message}`, flags.kubeApi === undefined ? 'outside a pod, give --kube-api URL --kube-token-file FILE (and --kube-ca FILE)' : undefined);
    }
    throw e;
  }
}

/** A throwaway CA and a localhost certificate, written to `dir`. */
async function selfSigned(dir: string, address: string): Promise<{ certFile: string; keyFile: string; caFile: string }> {
  const ca = await generateCa({ commonName: 'kubecomply serve --self-signed CA', days: 30 });
  const ips = ['127.0.0.1', '::1'];
  if (isIP(address) !== 0 && address !== '0.0.0.0' && address !== '::' && !ips.includes(address)) ips.push(address);
  const leaf = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ips, days: 30 });
  mkdirSync(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.crt');
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(certFile, leaf.certPem);
  writeFileSync(keyFile, leaf.keyPem, { mode: 0o600 });
  return { certFile, keyFile, caFile };
}

async function runServe(flags: ServeFlags, cmd: Command): Promise<number> {
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  if (flags.selfSigned && (flags.tlsCert || flags.tlsKey)) throw new UsageError('--self-signed and --tls-cert/--tls-key contradict each other');
  if (!flags.selfSigned && (!flags.tlsCert || !flags.tlsKey)) {
    throw new UsageError(
      flags.tlsCert || flags.tlsKey ? `${flags.tlsCert ? '--tls-key' : '--tls-cert'} is missing` : 'a serving certificate is required',
      'give --tls-cert FILE --tls-key FILE (the API server only calls webhooks over HTTPS), or --self-signed to try it locally',
    );
  }
  if (flags.certDir && !flags.selfSigned) throw new UsageError('--cert-dir is only for --self-signed');
  if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new UsageError(`invalid --port "${flags.port}": expected a port number from 0 to 65535`);
  const shutdownTimeout = seconds(flags.shutdownTimeout, '--shutdown-timeout', 3600);
  const shutdownDelay = seconds(flags.shutdownDelay, '--shutdown-delay', 3600);
  const clusterWait = seconds(flags.clusterExceptionsWait, '--cluster-exceptions-wait', 3600);
  if (!flags.clusterExceptions && cmd.getOptionValueSource('clusterExceptionsWait') === 'cli') throw new UsageError('--cluster-exceptions-wait is for --cluster-exceptions');
  const kube = kubeConnectionOf(flags);

  const fileConfig = readFileConfig(flags.config);
  const { config, notes } = scanConfigOf(flags, cmd, fileConfig);
  for (const n of notes) err(`kubecomply serve: note: ${n}`);
  const admission = fileConfig?.admission ?? defaultAdmissionSettings();
  // The catalog as scan builds it: kubecomply.yaml's disabled controls out, its severities applied.
  const controls = withSeverities(selectControls(BUILTIN_CONTROLS, { exclude: fileConfig?.disabled ?? [] }).controls, fileConfig?.severity ?? {});

  const policy = fileConfig?.exceptions ?? defaultExceptionPolicy();
  const metrics = new ServerMetrics({ version: TOOL.version });
  const exceptions = new ExceptionSet({
    files: [...policy.files, ...flags.exceptions],
    policy,
    knownControl: (id) => knownBuiltinControl(id) || isAdmissionGuard(id),
    log: err,
    cluster: kube !== undefined,
    metrics,
  });
  const first = await exceptions.load();
  for (const d of first.diagnostics) if (d.level !== 'note') err(formatDiagnosticLine(d));
  if (first.failed) throw new UsageError('the exception files could not be read (see above)');

  let base: ReturnType<typeof createDecider>;
  try {
    base = createDecider({ config, admission, controls, exceptions: exceptions.current });
  } catch (e) {
    if (e instanceof AdmissionConfigError) throw new UsageError(`invalid configuration: ${e.message}`);
    throw e;
  }
  let decider: GatedDecider = base;
  let imagePolicies = '';
  if (flags.imagePolicy.length > 0) {
    const budgetMs = Number(flags.imageVerifyBudget);
    if (!/^\d+$/.test(flags.imageVerifyBudget) || budgetMs <= 0) throw new UsageError(`invalid --image-verify-budget "${flags.imageVerifyBudget}": expected milliseconds, e.g. 5000`);
    const { policies, invalid } = await loadImagePolicies(flags.imagePolicy);
    const [{ withImagePolicies }, { ImageVerifier }, { lazyReadonlyDb }] = await Promise.all([import('../admission/images.js'), import('../supply/policy/evaluate.js'), import('../supply/vuln/db.js')]);
    const client = await registryClient({ ...(flags.registryCaFile ? { caFile: flags.registryCaFile } : {}), insecureRegistry: flags.insecureRegistry });
    const verifier = new ImageVerifier({ policies, invalid, client, vulnDb: lazyReadonlyDb(flags.vulnDb).get });
    decider = withImagePolicies(base, { verifier, budgetMs });
    imagePolicies = `, ${policies.length} image polic${policies.length === 1 ? 'y' : 'ies'} (budget ${budgetMs} ms)`;
  }

  let tls: TlsSource;
  let tempCertDir: string | undefined;
  if (flags.selfSigned) {
    const dir = flags.certDir ?? (tempCertDir = mkdtempSync(path.join(os.tmpdir(), 'kubecomply-serve-')));
    const files = await selfSigned(dir, flags.address);
    tls = { certFile: files.certFile, keyFile: files.keyFile };
    err(`kubecomply serve: --self-signed: wrote a throwaway CA to ${files.caFile} (trust it with: curl --cacert ${files.caFile} https://localhost:PORT/healthz)`);
  } else {
    tls = { certFile: flags.tlsCert!, keyFile: flags.tlsKey! };
  }
  const cleanup = (): void => {
    if (tempCertDir) rmSync(tempCertDir, { recursive: true, force: true });
  };

  const cluster = kube ? new ClusterExceptionSource({ connection: kube, exceptions, log: err, metrics, client: { userAgent: `kubecomply/${TOOL.version} (serve)` } }) : undefined;
  // Readiness waits for the first list of cluster exceptions, but not forever: without them the
  // webhook only denies more (exceptions excuse, never forbid), while a webhook that is never ready
  // fails every request it gates (failurePolicy Fail).
  let waitOver = clusterWait === 0;
  const readiness = cluster
    ? (): string | undefined => (cluster.hasSynced || waitOver ? undefined : 'waiting for the first list of ComplianceExceptions from the cluster')
    : undefined;

  const audit = await auditSetupOf(flags, cmd, metrics, err, fileConfig?.file ?? (flags.config === false ? false : undefined));
  let server;
  try {
    server = createAdmissionServer({
      metrics,
      ...(audit ? { audit: audit.sink } : {}),
      ...(readiness ? { readiness } : {}),
      decider,
      tls,
      host: flags.address,
      port: Number(flags.port),
      shutdownTimeoutMs: shutdownTimeout * 1000,
      shutdownDelayMs: shutdownDelay * 1000,
      logRequests: flags.logRequests ?? false,
      version: TOOL.version,
      log: err,
    });
  } catch (e) {
    cleanup();
    throw new UsageError(`cannot use the serving certificate: ${e instanceof Error ? e.message : String(e)}`, 'check --tls-cert and --tls-key');
  }
  let bound;
  try {
    bound = await server.listen();
  } catch (e) {
    cleanup();
    throw new UsageError(`cannot listen on ${flags.address}:${flags.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  exceptions.start();
  let waitTimer: NodeJS.Timeout | undefined;
  if (cluster) {
    cluster.start();
    if (!waitOver) {
      waitTimer = setTimeout(() => {
        waitOver = true;
        if (!cluster.hasSynced) {
          const why = cluster.lastProblem;
          err(
            `kubecomply serve: warning: the cluster exceptions were not listed within ${clusterWait} s${why ? ` (${why})` : ''}; ready without them — ` +
              'until the list succeeds, denials they would excuse stand',
          );
        }
      }, clusterWait * 1000);
      waitTimer.unref();
    }
  }
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  err(
    `kubecomply serve: listening on https://${host}:${bound.port} — mode ${admission.mode}, Pod Security ${config.pss.level} ${formatVersion(config.pss.version)}, ` +
      `${decider.controls.length} controls${imagePolicies}, ${exceptions.files.length > 0 ? exceptions.describe() : 'no exception files'}` +
      `${kube ? `, cluster exceptions from ${kube.server} (ready after the first list${clusterWait > 0 ? `, or within ${clusterWait} s` : ''})` : ''}, failurePolicy ${admission.failurePolicy}` +
      `${fileConfig ? `, settings from ${fileConfig.file}` : ''}${audit ? `; ${audit.describe}` : ''}`,
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        err(`kubecomply serve: ${signal} again: exiting without waiting for reviews in flight`);
        cleanup();
        process.exit(1);
      }
      stopping = true;
      err(`kubecomply serve: ${signal}: shutting down${shutdownDelay > 0 ? ` in ${shutdownDelay} s` : ''}; reviews in flight get up to ${shutdownTimeout} s`);
      exceptions.stop();
      if (waitTimer) clearTimeout(waitTimer);
      const stopped = cluster ? cluster.stop() : Promise.resolve();
      void Promise.all([server.close().then(() => audit?.close()), stopped]).then(() => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  cleanup();
  err('kubecomply serve: stopped');
  return EXIT_OK;
}
