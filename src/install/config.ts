/**
 * The kubecomply.yaml the webhook runs with: the user's file (--config), embedded verbatim in the
 * ConfigMap, or the default below. The install reads from it what the manifests must agree with:
 * the webhook's failure policy and timeout, the namespace mode label and modes, and the labels the
 * catalog requires on Namespaces and workloads.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, defaultFileConfig, parseConfig, type FileConfig } from '../config/config.js';
import { knownBuiltinControl } from '../scanner.js';
import { InstallError } from './options.js';

/**
 * The configuration shipped when --config is not given (also the Helm chart's default `config`).
 * It spells out the defaults the manifests depend on, so that a reader of the ConfigMap sees them.
 */
export const DEFAULT_CONFIG_TEXT = `# kubecomply settings for the admission webhook (kubecomply serve).
# Every field is optional; see schemas/config-v1.schema.json. To change them, write your own file
# and regenerate the manifests with "kubecomply install --config FILE": the webhook configuration's
# failurePolicy, timeoutSeconds and namespace mode label are taken from it.
apiVersion: kubecomply.io/v1
kind: Config
podSecurity:
  level: restricted
  version: latest
admission:
  # enforce (deny), warn (allow with warnings) or audit (allow, record): namespaces choose their own
  # mode with the label below; cluster-scoped objects and unlabelled namespaces use this one.
  mode: enforce
  modeLabel: kubecomply.io/mode
  # Fail: the API server rejects what the webhook cannot judge (fail closed). Ignore admits it unjudged.
  failurePolicy: Fail
  timeoutSeconds: 5
`;

export interface InstallConfig {
  /** The text embedded in the ConfigMap. */
  text: string;
  /** Where it came from (a path, or "default"). */
  source: string;
  config: Omit<FileConfig, 'file'>;
}

function load(text: string, source: string): Omit<FileConfig, 'file'> {
  try {
    const { file: _file, ...config } = parseConfig(text, source, knownBuiltinControl);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) throw new InstallError(`invalid configuration\n${e.message}`, 'the settings are described in schemas/config-v1.schema.json');
    throw e;
  }
}

/** Validates configuration text as `kubecomply scan` and `serve` would (schema, control ids). */
export function parseConfigText(text: string, source: string): InstallConfig {
  return { text, source, config: load(text, source) };
}

/** Reads --config FILE, or returns the default configuration. */
export function readInstallConfig(file: string | undefined): InstallConfig {
  if (file === undefined) return { text: DEFAULT_CONFIG_TEXT, source: 'default', config: defaultFileConfig() };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InstallError(`cannot read --config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A ConfigMap holds at most 1 MiB; a settings file is a few KiB.
  if (Buffer.byteLength(text) > 512 * 1024) throw new InstallError(`--config ${file} is larger than 512 KiB`);
  return { text, source: file, config: load(text, file) };
}
