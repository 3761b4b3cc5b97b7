/** Credentials stored in ConfigMaps instead of Secrets. */
import { asObject } from '../../core/podspec.js';
import { child } from '../../core/path.js';
import type { Control, Resource, Violation } from '../../core/types.js';
import { NONE, push, resourceControl } from '../helpers.js';
import { CREDENTIAL_MAPPINGS } from './env.js';
import { describeCredentials, findCredentials, hasAwsKeyId } from './detect.js';

/** binaryData larger than this is not decoded (images, archives). */
const MAX_BINARY = 4 * 1024 * 1024;

/** The text of a binaryData value, when it decodes to text; binary content is left alone. */
function decodeText(b64: string): string | undefined {
  if (b64.length > MAX_BINARY) return undefined;
  let buf: Buffer;
  try {
    buf = Buffer.from(b64.replace(/\s+/g, ''), 'base64');
  } catch {
    return undefined;
  }
  if (buf.length === 0) return undefined;
  let control = 0;
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b === 0) return undefined;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control > n / 100 ? undefined : buf.toString('utf8');
}

export const credentialsInConfigMap: Control = resourceControl(
  {
    id: 'credentials-in-configmap',
    title: 'Credential stored in a ConfigMap',
    severity: 'high',
    family: 'secrets',
    appliesTo: ['ConfigMap'],
    scope: 'resource',
    description:
      'A ConfigMap data or binaryData value (binaryData when it decodes to text) holds a credential: a value whose shape identifies one (private key, cloud or SaaS token, signed JWT, URL with a password, registry auth, …), ' +
      'a value under a credential-like key (DB_PASSWORD, client_secret, api-key) that looks like a real secret, or such a `key = value` line inside a configuration file (properties, YAML, JSON, .env, INI, XML). ' +
      'Placeholders (changeme, <…>, ${…}, {{…}}, ****), references (file paths, env vars, vault paths, Secret names) and low-variety values are ignored; certificates and public keys are not credentials. The finding never repeats the value.',
    rationale:
      'ConfigMaps are not meant for confidential data: they are readable by far more principals than Secrets (view roles, controllers, dashboards), are not covered by encryption at rest configurations that name only Secrets, are printed by `kubectl describe`, and live in Git next to the application. A credential in one is exposed to everyone who can read configuration.',
    remediation:
      'Move the credential into a Secret (or an external secret store) and mount it next to the configuration; keep only a reference in the ConfigMap:\n```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  application.properties: |\n    spring.datasource.url=jdbc:postgresql://db:5432/app\n    spring.datasource.password=${DB_PASSWORD}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app-db\ntype: Opaque\nstringData:\n  DB_PASSWORD: <set at deploy time, not in Git>\n```\nThen rotate the exposed credential.',
    references: [
      'https://kubernetes.io/docs/concepts/configuration/configmap/',
      'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
      'https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html',
    ],
    mappings: { ...CREDENTIAL_MAPPINGS },
  },
  (r: Resource): Violation[] => {
    let out = NONE;
    const data = asObject(r.object.data);
    const binary = asObject(r.object.binaryData);
    if (!data && !binary) return NONE;
    const texts: [string, string, string][] = [];
    if (data) for (const [k, v] of Object.entries(data)) if (typeof v === 'string') texts.push([child('data', k), k, v]);
    if (binary) {
      for (const [k, v] of Object.entries(binary)) {
        if (typeof v !== 'string') continue;
        const text = decodeText(v);
        if (text !== undefined) texts.push([child('binaryData', k), k, text]);
      }
    }
    if (texts.length === 0) return NONE;
    // An AWS access key id in one key makes a 40-character secret key in another a credential too.
    const awsNearby = texts.some(([, , v]) => hasAwsKeyId(v));
    for (const [path, key, value] of texts) {
      const found = findCredentials(value, { name: key, awsKeyNearby: awsNearby });
      if (found.length > 0) out = push(out, path, `ConfigMap key ${JSON.stringify(key)} holds a credential: ${describeCredentials(found)}`);
    }
    return out;
  },
);
