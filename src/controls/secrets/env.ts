/**
 * Credentials in container environments and command lines: Secrets exposed as environment variables,
 * and credentials written in plain text into env values, command and args.
 */
import { asArray, asObject, asString, containersOf, isObject, quote, type ContainerRef } from '../../core/podspec.js';
import type { Control, Mappings, Violation } from '../../core/types.js';
import { cpath, NONE, push, who, workloadControl } from '../helpers.js';
import { describeCredentials, findCredentials, hasAwsKeyId, type Credential } from './detect.js';

const SECRETS_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/';
const SECRETS_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/';
const DISTRIBUTE_CREDENTIALS = 'https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/';

function nameOr(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? quote(v) : fallback;
}

export const secretInEnv: Control = workloadControl(
  {
    id: 'secret-in-env',
    title: 'Secret exposed as environment variables',
    severity: 'low',
    family: 'secrets',
    description:
      'A container (init, regular or ephemeral) reads a Secret into its environment: env[].valueFrom.secretKeyRef (one key) or envFrom[].secretRef (every key of the Secret).',
    rationale:
      'Environment variables are not protected like files: they are inherited by every child process, readable in /proc/<pid>/environ, shown by the container runtime\'s inspect API, commonly dumped into logs and crash reports, and cannot be updated without a restart. A Secret mounted as a file (with restrictive mode) avoids all of these and is rotated in place.',
    remediation:
      'Mount the Secret as a read-only volume and let the application read the file:\n```yaml\nspec:\n  containers:\n  - name: api\n    volumeMounts:\n    - name: db\n      mountPath: /var/run/secrets/db\n      readOnly: true\n  volumes:\n  - name: db\n    secret:\n      secretName: db-credentials\n      defaultMode: 0400\n```',
    references: [SECRETS_DOC, SECRETS_GOOD_PRACTICES, DISTRIBUTE_CREDENTIALS],
    mappings: {
      cis: ['5.4.1'],
      mitre: ['T1552', 'T1552.007'],
      pci: ['8.6.3'],
      stride: ['I'],
    },
  },
  (ref) => {
    let out = NONE;
    for (const c of containersOf(ref)) {
      const env = asArray(c.container.env);
      for (let i = 0; i < env.length; i++) {
        const e = asObject(env[i]);
        const sk = asObject(asObject(e?.valueFrom)?.secretKeyRef);
        if (!sk) continue;
        out = push(
          out,
          cpath(c, `env[${i}].valueFrom.secretKeyRef`),
          `${who(c)} exposes key ${nameOr(sk.key, '(unnamed)')} of Secret ${nameOr(sk.name, '(unnamed)')} as environment variable ${nameOr(e?.name, `env[${i}]`)}`,
        );
      }
      const envFrom = asArray(c.container.envFrom);
      for (let j = 0; j < envFrom.length; j++) {
        const ef = asObject(envFrom[j]);
        const sr = asObject(ef?.secretRef);
        if (!sr) continue;
        const prefix = asString(ef?.prefix);
        out = push(
          out,
          cpath(c, `envFrom[${j}].secretRef`),
          `${who(c)} imports every key of Secret ${nameOr(sr.name, '(unnamed)')} as environment variables${prefix ? ` (prefix ${quote(prefix)})` : ''}`,
        );
      }
    }
    return out;
  },
);

/** Mappings shared by the plain-text credential controls (env values, ConfigMaps, annotations). */
const CREDENTIAL_MAPPINGS: Mappings = {
  nsa: ['N5'],
  nist80190: ['4.1.4'],
  mitre: ['T1552', 'T1552.001', 'T1552.007'],
  pci: ['8.6.2', '8.6.3'],
  soc2: ['CC6.1', 'CC6.6'],
  gdpr: ['Art. 32'],
  hipaa: ['164.312(a)(1)'],
  cra: ['I.2(d)'],
  stride: ['I', 'S'],
};

/** `--flag` followed by a separate value: `["--password", "x"]`. */
const FLAG_ONLY = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/;

function scanCommandLine(c: ContainerRef, field: 'command' | 'args', list: unknown[], out: Violation[]): Violation[] {
  for (let j = 0; j < list.length; j++) {
    const arg = list[j];
    if (typeof arg !== 'string') continue;
    let found: Credential[] = findCredentials(arg);
    let via = '';
    // `--password secret` as two list items: the flag names the value that follows it.
    const prev = j > 0 ? list[j - 1] : undefined;
    const flag = typeof prev === 'string' ? FLAG_ONLY.exec(prev) : null;
    if (found.length === 0 && flag && !arg.startsWith('-')) {
      found = findCredentials(arg, { name: flag[1] });
      via = ` (value of ${prev as string})`;
    }
    if (found.length > 0) out = push(out, cpath(c, `${field}[${j}]`), `${who(c)} ${field}[${j}]${via} holds a hard-coded credential: ${describeCredentials(found)}`);
  }
  return out;
}

export const credentialsInEnvValue: Control = workloadControl(
  {
    id: 'credentials-in-env-value',
    title: 'Hard-coded credential in a container\'s environment or command line',
    severity: 'high',
    family: 'secrets',
    description:
      'A container (init, regular or ephemeral) has a credential written in plain text in an env[].value, or in its command or args. ' +
      'Detection is conservative: values whose shape identifies a credential (private keys, cloud and SaaS tokens, signed JWTs, URLs with a password, …), ' +
      'or values under a credential-like name (DB_PASSWORD, CLIENT_SECRET, API_KEY, `--password`, `-Dapp.token=`) that look like a real secret — not empty, not a placeholder or a reference such as $(VAR), ${VAR} or a file path, long and varied enough. The finding never repeats the value.',
    rationale:
      'A credential in the pod spec is stored unencrypted in every copy of the manifest (Git, CI logs, Helm release history), readable by anyone who can read the workload, and cannot be rotated without a change to the workload. Kubernetes Secrets (or an external secret store) keep credentials out of the manifest, under their own access control.',
    remediation:
      'Move the value into a Secret (or an external secret store) and mount it as a file — or, if the application only reads the environment, reference it:\n```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ntype: Opaque\nstringData:\n  password: <set at deploy time, not in Git>\n---\n# in the container\nenv:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-credentials\n      key: password\n```\nThen rotate the exposed credential: it is in the manifest\'s history.',
    references: [SECRETS_GOOD_PRACTICES, DISTRIBUTE_CREDENTIALS, 'https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html'],
    mappings: { ...CREDENTIAL_MAPPINGS, cis: ['5.4.1'] },
  },
  (ref) => {
    let out = NONE;
    for (const c of containersOf(ref)) {
      const env = asArray(c.container.env);
      let awsNearby = false;
      for (const e of env) if (isObject(e) && typeof e.value === 'string' && hasAwsKeyId(e.value)) awsNearby = true;
      for (let i = 0; i < env.length; i++) {
        const e = asObject(env[i]);
        if (!e || typeof e.value !== 'string') continue;
        const name = asString(e.name);
        const found = findCredentials(e.value, { name, awsKeyNearby: awsNearby });
        if (found.length === 0) continue;
        out = push(out, cpath(c, `env[${i}].value`), `${who(c)} env var ${nameOr(name, `env[${i}]`)} holds a hard-coded credential: ${describeCredentials(found)}`);
      }
      for (const field of ['command', 'args'] as const) {
        const list = c.container[field];
        if (Array.isArray(list) && list.length > 0) out = scanCommandLine(c, field, list, out);
      }
    }
    return out;
  },
);

export { CREDENTIAL_MAPPINGS };
