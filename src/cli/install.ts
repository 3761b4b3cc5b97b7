import { Command, Option } from 'commander';
import { defaultInstallOptions, DEFAULT_IMAGE, install, InstallError, type InstallOptions } from '../install/index.js';
import { painter } from '../report/table.js';
import { collectList, emit, EXIT_OK, UsageError, useColor } from './util.js';

const FORMATS = ['yaml', 'json'] as const;

interface InstallFlags {
  namespace: string;
  name: string;
  replicas: string;
  image?: string;
  config?: string;
  failurePolicy?: 'Fail' | 'Ignore';
  timeout?: string;
  certDays: string;
  tlsCert?: string;
  tlsKey?: string;
  caCert?: string;
  owner: string;
  dataClass: string;
  label: string[];
  exemptNamespace: string[];
  allowFrom: string[];
  antiAffinity: 'preferred' | 'required';
  clusterDomain: string;
  clusterExceptions: boolean;
  apiServerCidr: string[];
  output?: string;
  format: (typeof FORMATS)[number];
  quiet?: boolean;
}

function integer(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`invalid ${flag} "${value}": expected a whole number`);
  return Number(value);
}

function labelsOf(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --label "${e}": expected KEY=VALUE`);
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function installCommand(): Command {
  const d = defaultInstallOptions();
  return new Command('install')
    .summary('print the manifests that run the admission webhook in a cluster')
    .description(
      'Print ready-to-apply manifests for running "kubecomply serve" as a validating admission webhook: the ' +
        'namespace (restricted Pod Security, default-deny NetworkPolicies, quota), a ServiceAccount whose only ' +
        'permission is to read ComplianceExceptions (a ClusterRole with get, list and watch on them, a projected ' +
        'token, egress to the API server; none of it with --no-cluster-exceptions), the ComplianceException CRD, the settings ' +
        'as a ConfigMap, a freshly generated CA and serving certificate as a TLS Secret, a hardened ' +
        'Deployment with a PodDisruptionBudget and a Service, and the ValidatingWebhookConfiguration ' +
        '(one entry per mode, chosen by the namespace label kubecomply.io/mode). The output passes ' +
        '"kubecomply scan" with the whole catalog.',
    )
    .option('-n, --namespace <namespace>', 'namespace to run the webhook in (created; never judged by the webhook)', d.namespace)
    .option('--name <name>', 'name of the Deployment, Service and webhook configuration; prefix of the other objects', d.name)
    .option('--replicas <n>', 'webhook replicas (2 or more: a webhook that fails closed must survive a rollout or a node drain)', String(d.replicas))
    .option('--image <image>', `the kubecomply image; pin it by digest (…@sha256:<digest>) (default: the placeholder ${DEFAULT_IMAGE})`)
    .option('-c, --config <file>', 'kubecomply.yaml to embed in the ConfigMap; its admission.failurePolicy, timeoutSeconds, modeLabel, mode and namespaceModes shape the webhook configuration (default: built-in settings; ./kubecomply.yaml is NOT read implicitly)')
    .addOption(new Option('--failure-policy <policy>', 'what the API server does when the webhook cannot answer: Fail (deny; default from the config) or Ignore (admit unjudged)').choices(['Fail', 'Ignore']))
    .option('--timeout <seconds>', 'webhook timeout, 1–30 seconds (default from the config: 5)')
    .option('--cert-days <days>', 'validity of the generated CA and serving certificate', String(d.certDays))
    .option('--tls-cert <file>', 'use this serving certificate (PEM; with --tls-key and --ca-cert) instead of generating one')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--ca-cert <file>', 'the CA bundle that verifies --tls-cert (PEM): becomes the caBundle')
    .option('--owner <value>', 'value of the "owner" label on every object', d.owner)
    .option('--data-class <value>', 'value of the data-class label on the namespace', d.dataClass)
    .addOption(new Option('--label <key=value>', 'another label on every object (repeatable), e.g. one your labels.namespaces or labels.workloads require').argParser(collectList).default([], 'none'))
    .addOption(new Option('--exempt-namespace <ns>', 'also never send requests in this namespace to the webhook (repeatable; see below)').argParser(collectList).default([], 'none'))
    .addOption(new Option('--allow-from <cidr>', "only these sources may reach the webhook port, e.g. the API server's addresses (repeatable)").argParser(collectList).default([], 'any source, that port only'))
    .addOption(new Option('--anti-affinity <kind>', 'spread replicas across nodes: preferred, or required (needs replicas + 1 nodes to roll)').choices(['preferred', 'required']).default(d.antiAffinity))
    .option('--cluster-domain <domain>', 'the cluster DNS domain, for the certificate names', d.clusterDomain)
    .option('--no-cluster-exceptions', 'do not let the webhook read the ComplianceExceptions kept in the cluster: no RBAC, no token, no egress (it then honours only the exception files of its configuration)')
    .addOption(new Option('--api-server-cidr <cidr>', 'only these addresses of the Kubernetes API may be reached by the webhook pods (repeatable), e.g. the endpoints of the kubernetes Service').argParser(collectList).default([], 'any address, ports 443 and 6443 only'))
    .option('-o, --output <file>', 'write the manifests to a file instead of standard output')
    .addOption(new Option('--format <format>', 'yaml (a commented multi-document stream) or json (a v1 List)').choices(FORMATS).default('yaml'))
    .option('-q, --quiet', 'no notes on standard error')
    .addHelpText(
      'after',
      `
How the webhook is wired:
  The server reads no namespace labels, so each mode has its own webhook entry, picked by the
  namespace label kubecomply.io/mode (admission.modeLabel), and the URL path names the mode:
    enforce     /validate/enforce  cluster-scoped objects; namespaces whose label is absent, enforce or unknown
    namespaces  /validate/enforce  Namespace objects themselves, whatever their label says
    warn        /validate/warn     namespaced objects in namespaces labelled warn   (fails open)
    audit       /validate/audit    namespaced objects in namespaces labelled audit  (fails open)
  With admission.mode other than enforce, or admission.namespaceModes, unlabelled namespaces and
  cluster-scoped objects go to "default" on /validate, where the server applies those settings.

Cluster exceptions (default on; --no-cluster-exceptions turns them off):
  The Deployment runs "kubecomply serve --cluster-exceptions": the webhook lists and watches the
  ComplianceException resources of every namespace and honours the active ones with its exception files.
  What that takes, and nothing more: a ClusterRole with get, list and watch on
  complianceexceptions.kubecomply.io bound to the ServiceAccount; a projected token (1 hour, renewed by
  the kubelet; automountServiceAccountToken stays false); egress to TCP 443 and 6443 (--api-server-cidr
  narrows it to the API server's addresses). While the API cannot be read the webhook keeps serving with
  the exceptions it last saw; /readyz waits at most 10 s for the first list.

Failure policy:
  Fail (default) fails closed: while no replica answers, the API server rejects the gated requests.
  Ignore fails open: they are admitted unjudged, so anyone who can overload or disrupt the webhook
  bypasses it. Use Ignore only while trying kubecomply out (or use warn/audit namespaces instead).
  The webhook's own namespace is never gated, so its pods can always start. --exempt-namespace
  kube-system trades the guard on kube-system for the certainty that the control plane's add-ons
  (CNI, DNS) can be recreated while the webhook is down.

Certificates:
  By default a new CA is generated, signs a serving certificate for <name>.<namespace>.svc, and its
  key is discarded: nothing else can ever be issued under it. Running install again makes a new CA;
  apply the whole output at once (Secret and caBundle together). The server reloads the Secret.

Examples:
  # review, then apply in two steps (the webhook runs before the API server calls it)
  kubecomply install --namespace kubecomply --image registry.example.com/kubecomply/kubecomply@sha256:<digest> -o kubecomply.yaml
  kubectl apply -f kubecomply.yaml -l 'app.kubernetes.io/component!=webhook-configuration'
  kubectl -n kubecomply rollout status deployment/kubecomply
  kubectl apply -f kubecomply.yaml

  # your settings; three replicas; labels your kubecomply.yaml requires
  kubecomply install -n kubecomply --config kubecomply.yaml --replicas 3 --label cost-center=platform

  # certificates from your PKI (or cert-manager)
  kubecomply install -n kubecomply --tls-cert tls.crt --tls-key tls.key --ca-cert ca.crt

  # try it out: every namespace you label kubecomply.io/mode=warn only gets warnings
  kubectl label namespace team-a kubecomply.io/mode=warn

  # eat your own cooking: the manifests pass the whole catalog
  kubecomply install -n kubecomply --image registry.example.com/kubecomply/kubecomply@sha256:<digest> | kubecomply scan -`,
    )
    .action(async (flags: InstallFlags, cmd: Command) => {
      process.exitCode = await runInstall(flags, cmd);
    });
}

async function runInstall(flags: InstallFlags, cmd: Command): Promise<number> {
  const tlsGiven = [flags.tlsCert, flags.tlsKey, flags.caCert].filter((x) => x !== undefined).length;
  if (tlsGiven !== 0 && tlsGiven !== 3) throw new UsageError('--tls-cert, --tls-key and --ca-cert go together', 'give all three, or none to generate a CA and certificate');
  if (tlsGiven === 3 && cmd.getOptionValueSource('certDays') === 'cli') throw new UsageError('--cert-days applies to generated certificates, not to --tls-cert');
  const options: InstallOptions = {
    ...defaultInstallOptions(),
    namespace: flags.namespace,
    name: flags.name,
    replicas: integer(flags.replicas, '--replicas'),
    ...(flags.image !== undefined ? { image: flags.image } : {}),
    ...(flags.failurePolicy !== undefined ? { failurePolicy: flags.failurePolicy } : {}),
    ...(flags.timeout !== undefined ? { timeoutSeconds: integer(flags.timeout, '--timeout') } : {}),
    certDays: integer(flags.certDays, '--cert-days'),
    owner: flags.owner,
    dataClass: flags.dataClass,
    labels: labelsOf(flags.label),
    exemptNamespaces: flags.exemptNamespace,
    allowFrom: flags.allowFrom,
    antiAffinity: flags.antiAffinity,
    clusterDomain: flags.clusterDomain,
    clusterExceptions: flags.clusterExceptions,
    apiServerCidrs: flags.apiServerCidr,
  };
  // The header names the command that regenerates the file (without where it was written).
  const args = process.argv.slice(2);
  const shown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o' || args[i] === '--output') i++;
    else if (!args[i].startsWith('--output=') && args[i] !== '-q' && args[i] !== '--quiet') shown.push(args[i]);
  }
  let result;
  try {
    result = await install({
      options,
      ...(flags.config !== undefined ? { configFile: flags.config } : {}),
      ...(tlsGiven === 3 ? { tlsFiles: { cert: flags.tlsCert!, key: flags.tlsKey!, ca: flags.caCert! } } : {}),
      format: flags.format,
      commandLine: ['kubecomply', ...shown].map(shellQuote).join(' '),
    });
  } catch (e) {
    if (e instanceof InstallError) throw new UsageError(e.message, e.hint);
    throw e;
  }
  const stderr = process.stderr;
  const p = painter(useColor(stderr));
  const notes = flags.image === undefined ? result.notes.filter((n) => !n.includes('not pinned by digest')) : [...result.notes];
  if (flags.image === undefined) notes.unshift(`--image not given: the manifests name the placeholder ${DEFAULT_IMAGE}; publish the image and pass --image REGISTRY/kubecomply@sha256:<digest>`);
  if (!flags.quiet) for (const n of notes) stderr.write(`${p('yellow', 'note:')} ${n}\n`);
  await emit([result.text], flags.output);
  if (flags.output !== undefined && flags.output !== '-' && !flags.quiet) {
    stderr.write(`wrote ${result.manifests.length} objects to ${flags.output}; apply with: kubectl apply -f ${flags.output} -l 'app.kubernetes.io/component!=webhook-configuration' && kubectl -n ${options.namespace} rollout status deployment/${options.name} && kubectl apply -f ${flags.output}\n`);
  }
  return EXIT_OK;
}
