/**
 * kubecomply.yaml: organisation settings, validated against schemas/config-v1.schema.json. An invalid
 * file is an error that names the file, the line and the field — never silently ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from 'ajv';
import { child } from '../core/path.js';
import type { AdmissionSettings, ExceptionPolicy, PssLevel, Settings, Severity } from '../core/types.js';
import { createLocator } from '../sources/locate.js';
import { parseYamlDocument } from '../sources/yaml.js';
import { defaultAdmissionSettings, defaultExceptionPolicy, defaultSettings } from './defaults.js';

export const CONFIG_FILE_NAMES = ['kubecomply.yaml', 'kubecomply.yml', '.kubecomply.yaml'];

export interface FileConfig {
  file: string;
  podSecurity: { level?: PssLevel; version?: string };
  settings: Settings;
  disabled: string[];
  severity: Record<string, Severity>;
  /** Exception governance; `files` resolved against the configuration file's directory. */
  exceptions: ExceptionPolicy;
  admission: AdmissionSettings;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { line?: number; field: string; message: string }[],
  ) {
    super(problems.map((p) => `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (validator) return validator;
  // ajv is CommonJS; require() gives the class under NodeNext module resolution.
  const require = createRequire(import.meta.url);
  const { Ajv } = require('ajv') as { Ajv: new (o: object) => AjvType };
  const schema = JSON.parse(readFileSync(new URL('../../schemas/config-v1.schema.json', import.meta.url), 'utf8')) as object;
  validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
  return validator;
}

/** `/images/allowedRegistries/0` → `images.allowedRegistries[0]` */
function fieldOf(instancePath: string, extra?: string): string {
  let p = '';
  for (const seg of instancePath.split('/').slice(1)) {
    const s = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    p = child(p, /^\d+$/.test(s) ? Number(s) : s);
  }
  return extra ? child(p, extra) : p;
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return 'is not a known setting (see schemas/config-v1.schema.json)';
    case 'enum':
      return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'pattern':
      return e.instancePath.includes('labels') || e.instancePath.includes('Label') ? 'must be a valid Kubernetes label key' : `has an invalid format (${e.message ?? 'pattern'})`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Finds kubecomply.yaml in `dir` (not in parents: a scan's configuration should be explicit). */
export function findConfig(dir: string): string | undefined {
  for (const n of CONFIG_FILE_NAMES) {
    const p = path.join(dir, n);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Reads and validates a configuration file. `knownControls` lets the control ids it names be checked.
 * Throws ConfigError listing every problem.
 */
export function loadConfig(file: string, knownControls?: (id: string) => boolean): FileConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ field: '', message: `cannot read: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  return parseConfig(text, file, knownControls);
}

/**
 * Validates settings given as text (`file` names them in errors; relative `exceptions.files` are
 * resolved against its directory). Throws ConfigError listing every problem.
 */
export function parseConfig(text: string, file: string, knownControls?: (id: string) => boolean): FileConfig {
  const parsed = parseYamlDocument(text, file);
  if (!parsed.ok) throw new ConfigError(file, [{ line: parsed.error.line + 1, field: '', message: `not valid YAML: ${parsed.error.message}` }]);
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(file, [{ line: 1, field: '', message: 'must be a mapping of settings' }]);
  const v = validate();
  const problems: { path: string; field: string; message: string }[] = [];
  if (!v(value)) {
    for (const e of v.errors ?? []) {
      // An unknown field is named (and located) by itself.
      const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
      const field = fieldOf(e.instancePath, extra);
      problems.push({ path: field, field: field || '(top level)', message: describe(e) });
    }
  }
  const cfg = value as {
    podSecurity?: { level?: PssLevel; version?: string };
    images?: Partial<Settings['images']>;
    labels?: Partial<Settings['labels']>;
    dataProtection?: Partial<Settings['dataProtection']>;
    runtime?: Partial<Settings['runtime']>;
    controls?: { disabled?: string[]; severity?: Record<string, Severity> };
    exceptions?: Partial<ExceptionPolicy>;
    admission?: Partial<Omit<AdmissionSettings, 'administrators'>> & { administrators?: Partial<AdmissionSettings['administrators']> };
  };
  if (problems.length === 0 && knownControls) {
    (cfg.controls?.disabled ?? []).forEach((id, i) => {
      if (!knownControls(id)) problems.push({ path: `controls.disabled[${i}]`, field: `controls.disabled[${i}]`, message: `unknown control "${id}"` });
    });
    for (const id of Object.keys(cfg.controls?.severity ?? {})) {
      const p = child('controls.severity', id);
      if (!knownControls(id)) problems.push({ path: p, field: p, message: `unknown control "${id}"` });
    }
  }
  if (problems.length > 0) {
    const positions = createLocator(text, 1, 'yaml').locate(problems.map((p) => p.path));
    throw new ConfigError(
      file,
      problems.map((p, i) => ({ line: positions[i].line, field: p.field, message: p.message })).sort((a, b) => a.line - b.line),
    );
  }
  const d = defaultSettings();
  return {
    file,
    podSecurity: { ...(cfg.podSecurity ?? {}) },
    settings: {
      images: { ...d.images, ...cfg.images },
      labels: { ...d.labels, ...cfg.labels },
      dataProtection: { ...d.dataProtection, ...cfg.dataProtection },
      runtime: { ...d.runtime, ...cfg.runtime },
    },
    disabled: cfg.controls?.disabled ?? [],
    severity: cfg.controls?.severity ?? {},
    exceptions: exceptionPolicyOf(cfg.exceptions, path.dirname(path.resolve(file))),
    admission: admissionOf(cfg.admission),
  };
}

function exceptionPolicyOf(e: Partial<ExceptionPolicy> | undefined, dir: string): ExceptionPolicy {
  const d = defaultExceptionPolicy();
  return {
    maxDays: e?.maxDays ?? d.maxDays,
    minJustificationLength: e?.minJustificationLength ?? d.minJustificationLength,
    files: (e?.files ?? []).map((f) => path.resolve(dir, f)),
  };
}

function admissionOf(a: (Partial<Omit<AdmissionSettings, 'administrators'>> & { administrators?: Partial<AdmissionSettings['administrators']> }) | undefined): AdmissionSettings {
  const d = defaultAdmissionSettings();
  if (!a) return d;
  const { administrators, ...rest } = a;
  return { ...d, ...rest, administrators: { ...d.administrators, ...administrators } };
}

/** The defaults of everything kubecomply.yaml sets, for runs without a file. */
export function defaultFileConfig(): Omit<FileConfig, 'file'> {
  return { podSecurity: {}, settings: defaultSettings(), disabled: [], severity: {}, exceptions: defaultExceptionPolicy(), admission: defaultAdmissionSettings() };
}
