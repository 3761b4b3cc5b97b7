/**
 * Credential detection in plain-text configuration: environment variable values, ConfigMap data,
 * annotations, command lines. Built for a LOW false-positive rate:
 *
 *  - pattern detection: values whose own shape identifies a credential (PEM private keys, AWS access
 *    key ids, GitHub/GitLab/Slack/Stripe/Google/npm/SendGrid/OpenAI/Anthropic tokens, signed JWTs with
 *    a JSON header, URLs with an embedded password, HTTP basic/bearer credentials, registry auths);
 *  - name detection: a key named like a credential (password, client_secret, api_key, …) whose value
 *    looks like a real secret — not empty, not a placeholder (changeme, <…>, ${…}, {{…}}, xxx, ****,
 *    REDACTED, example…), not a reference (file path, env var, vault path, secret name), with enough
 *    length and character variety.
 *
 * Multi-line values (properties, YAML, JSON, .env, XML, INI, connection strings) are read line by
 * line for `key = value` pairs. Nothing here returns or prints a secret: a Credential carries only
 * its kind and a masked hint (a public prefix such as `ghp_` and the length). Pure, never throws.
 */

export type CredentialClass = 'password' | 'secret' | 'token' | 'API key' | 'private key' | 'access key' | 'secret key' | 'credential';

export interface Credential {
  /** What was found, e.g. "GitHub personal access token", "password". */
  kind: string;
  /** A masked hint, never the secret: a public prefix and the length, e.g. `(ghp_…, 40 characters)`; may be empty. */
  hint: string;
  /** 'pattern': the value's shape identifies it; 'name': a credential-like key with a secret-looking value. */
  basis: 'pattern' | 'name';
  /** For name-based findings inside a structured value: the key that marks it. */
  key?: string;
  /** 1-based line inside a multi-line value. */
  line?: number;
}

export interface ScanOptions {
  /** The name the value is stored under (env var, ConfigMap key, annotation key, flag name). */
  name?: string;
  /** An AWS access key id sits next to this value (e.g. in another env var): look for the secret key too. */
  awsKeyNearby?: boolean;
}

/** Values longer than this are scanned for patterns only up to this many characters. */
const MAX_SCAN = 2_000_000;
/** Lines longer than this are not read for `key = value` pairs (minified bundles, base64 blobs). */
const MAX_PAIR_LINE = 8192;

// ------------------------------------------------------------------------------------- helpers

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const freq = new Map<string, number>();
  for (const ch of s) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of freq.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Number of character classes among lower case, upper case, digits and others. */
export function charClasses(s: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

function plural(n: number): string {
  return n === 1 ? '1 character' : `${n} characters`;
}

/** `(ghp_…, 40 characters)`: the public prefix of a token and its length. */
function masked(value: string, keep: number): string {
  const len = [...value].length;
  return keep > 0 ? `(${value.slice(0, keep)}..., ${plural(len)})` : `(${plural(len)})`;
}

function decodeBase64(s: string): string | undefined {
  try {
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return b.length === 0 ? undefined : b.toString('utf8');
  } catch {
    return undefined;
  }
}

function printable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s);
}

const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set([
  'changeme', 'change_me', 'change-me', 'changeit', 'changethis', 'password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'api-key',
  'key', 'none', 'null', 'nil', 'undefined', 'empty', 'n/a', 'na', 'tbd', 'todo', 'fixme', 'redacted', 'hidden', 'masked', 'removed',
  'placeholder', 'dummy', 'sample', 'example', 'test', 'testing', 'default', 'required', 'optional', 'true', 'false', 'yes', 'no', 'on',
  'off', 'enabled', 'disabled', 'unset', 'notset', 'not-set', 'secretvalue', 'mysecret', 'mypassword', 'yourpassword', 'yoursecret',
]);

const PLACEHOLDER_RE =
  /\$\{[^}]*\}|\$\([^)]*\)|\{\{[\s\S]*\}\}|\{%[\s\S]*%\}|%\([^)]*\)s|%\{[^}]*\}|#\{[^}]*\}|\[\[[^\]]*\]\]|<[^<>]{1,64}>|x{4,}|X{4,}|\*{3,}|•{2,}|…|\.{3}|redacted|change[-_ ]?me|change[-_ ]?it\b|replace[-_ ]?(?:me|with|this)|your[-_ ]?(?:own[-_ ]?)?(?:password|passwd|secret|token|key|api)|example|placeholder|dummy|sample|fake|insert[-_ ]|put[-_ ]?your|enter[-_ ]?your|not[-_ ]?a[-_ ]?real|do[-_ ]?not[-_ ]?use/i;

/** True for values that stand for a secret rather than being one: `changeme`, `<password>`, `${X}`, `{{ .x }}`, `xxxx`, `****`, REDACTED, example… */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === '') return true;
  if (PLACEHOLDER_WORDS.has(v.toLowerCase())) return true;
  if (/^(.)\1*$/.test(v)) return true; // one repeated character
  return PLACEHOLDER_RE.test(v);
}

const REFERENCE_PREFIXES = [
  '/', './', '../', '~/', 'file:', 'env:', 'secret:', 'secrets:', 'vault:', 'vault://', 'ref+', 'op://', 'awssm', 'aws-sm', 'arn:', 'sm://',
  'gcp:', 'gcpsm', 'azkv', 'azure-keyvault', 'projects/', 'k8s://', 'k8s:', 'secretref', 'keyvault:', 'bws://', 'doppler://', 'infisical://',
  '!', '$', 'enc(', 'enc[', 'enc:', '{bcrypt}', '{ssha}', '{sha}', '{crypt}', '{md5}', '{pbkdf2}', '{argon2}', '{scrypt}', 'sha256:', 'sha512:',
];

const CODE_RE = /^(?:os\.environ|os\.getenv|getenv|process\.env|system\.getenv|env\[|env\(|environ\[|secrets\.|lookup\(|file\(|readfile\(|vault\(|secret\()/i;

/** True for values that point at a secret kept elsewhere: a path, an env var, a vault path, an expression. */
export function isReference(value: string): boolean {
  const v = value.trim();
  const lower = v.toLowerCase();
  for (const p of REFERENCE_PREFIXES) if (lower.startsWith(p)) return true;
  if (/^[A-Za-z]:\\/.test(v)) return true; // C:\path
  if (/^%[A-Za-z_][A-Za-z0-9_]*%$/.test(v)) return true; // %VAR%
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return true; // DB_PASSWORD: the name of an env var
  if (CODE_RE.test(v)) return true;
  if (/^[A-Za-z_][A-Za-z0-9_.]*[([]/.test(v)) return true; // get_secret("db"), config["password"]
  if (/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\(\))?$/.test(v) && !/[0-9]/.test(v)) return true; // settings.db_password, smtp.example.com
  if (v.includes('/') && /^[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)+\/?$/.test(v)) return true; // secret/data/app, database/creds/app
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return true; // a URL (with a password it is found by the URL pattern)
  return false;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A Kubernetes object name or DNS name: what `secret`/`token` keys hold when they name a Secret. */
const OBJECT_NAME_RE = /^[a-z0-9]+(?:[-.][a-z0-9]+)+$/;

/** True when `value` plausibly is a real secret for a key of class `cls` (see the module comment). */
export function looksLikeSecret(cls: CredentialClass, value: string): boolean {
  const v = value.trim();
  if (v.length > 1024 || /\s/.test(v)) return false;
  if (isPlaceholder(v) || isReference(v)) return false;
  const len = [...v].length;
  const classes = charClasses(v);
  if (cls === 'password') {
    if (!((len >= 8 && classes >= 2) || (len >= 6 && classes >= 3))) return false;
    return entropy(v) >= 2.0;
  }
  if (UUID_RE.test(v)) return true; // UUID-shaped API keys and tokens (Heroku, Datadog application keys, …)
  if (len < 16 || classes < 2) return false;
  if (OBJECT_NAME_RE.test(v)) return false;
  return entropy(v) >= 3.0;
}

// --------------------------------------------------------------------------- name detection

/** Key tokens that mean the value is not the secret (a checksum, a public key, an existing Secret). */
const EXCLUDE_TOKENS: ReadonlySet<string> = new Set([
  'checksum', 'hash', 'hashed', 'sha', 'sha1', 'sha256', 'sha512', 'md5', 'digest', 'fingerprint', 'existing', 'public', 'pub', 'example', 'sample',
  'placeholder', 'dummy', 'fake',
]);

/** Last key tokens that make the key describe or point at a credential instead of holding it. */
const REFERENCE_SUFFIXES: ReadonlySet<string> = new Set([
  'file', 'files', 'path', 'paths', 'dir', 'directory', 'name', 'names', 'ref', 'reference', 'id', 'ids', 'url', 'uri', 'urls', 'endpoint', 'env', 'var',
  'variable', 'length', 'len', 'min', 'max', 'minimum', 'maximum', 'policy', 'type', 'kind', 'expiry', 'expires', 'expiration', 'ttl', 'timeout',
  'lifetime', 'header', 'field', 'prefix', 'suffix', 'enabled', 'enable', 'disabled', 'mode', 'format', 'version', 'count', 'location', 'source',
  'provider', 'regex', 'pattern', 'label', 'labels', 'store', 'manager', 'backend', 'algorithm', 'alg', 'size', 'bits', 'reset', 'rotation',
  'template', 'hint', 'prompt', 'required', 'strength', 'complexity', 'salt', 'encoding', 'charset', 'method', 'mount', 'volume', 'selector',
  'namespace', 'audience', 'issuer', 'scope', 'scopes', 'usage', 'role', 'user', 'username', 'owner', 'key_id', 'annotation', 'annotations',
  'generator', 'length_min', 'auth', 'secrets', 'tokens', 'keys', 'passwords', 'credentials_file', 'handler', 'command', 'cmd', 'script', 'provider',
]);

/** Trailing key tokens that say nothing about the value's role (`password_value`, `secret_b64`). */
const NEUTRAL_SUFFIXES: ReadonlySet<string> = new Set(['value', 'plain', 'plaintext', 'raw', 'str', 'string', 'text', 'b64', 'base64', 'encoded', 'data', 'hex', 'literal', 'base']);

const KEY_QUALIFIERS: Readonly<Record<string, CredentialClass>> = {
  api: 'API key',
  private: 'private key',
  access: 'access key',
  secret: 'secret key',
  signing: 'secret key',
  encryption: 'secret key',
  master: 'secret key',
  hmac: 'secret key',
  session: 'secret key',
  auth: 'secret key',
  account: 'access key',
  storage: 'access key',
  subscription: 'API key',
  client: 'private key',
  tls: 'private key',
  ssl: 'private key',
  ssh: 'private key',
  gpg: 'private key',
  pgp: 'private key',
  jwt: 'secret key',
  app: 'secret key',
  cookie: 'secret key',
  webhook: 'secret key',
};

function tokensOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

/**
 * The credential class a key name announces, or undefined. The credential word must be the key's
 * last meaningful token: `DB_PASSWORD`, `clientSecret`, `aws_secret_access_key`, `api-key`, but not
 * `password_file`, `secretName`, `token_url`, `checksum/secret` or `existingSecret`.
 */
export function credentialClassOf(name: string): CredentialClass | undefined {
  // A pure function of the name, asked for every env var and data key of every resource: the same
  // few hundred names (LOG_LEVEL, PORT, …) recur across a cluster, and tokenising them is regex work.
  let cls = nameClasses.get(name);
  if (cls === undefined) {
    cls = classOfName(name) ?? null;
    // Bounded: names come from the input.
    if (nameClasses.size >= 20_000) nameClasses.clear();
    nameClasses.set(name, cls);
  }
  return cls ?? undefined;
}

const nameClasses = new Map<string, CredentialClass | null>();

function classOfName(name: string): CredentialClass | undefined {
  const all = tokensOf(name);
  if (all.length === 0) return undefined;
  for (const t of all) if (EXCLUDE_TOKENS.has(t)) return undefined;
  // Annotation keys: only the name part (after the prefix) says what the value is.
  const slash = name.lastIndexOf('/');
  const tokens = slash >= 0 ? tokensOf(name.slice(slash + 1)) : all;
  while (tokens.length > 1 && NEUTRAL_SUFFIXES.has(tokens[tokens.length - 1])) tokens.pop();
  if (tokens.length === 0) return undefined;
  const last = tokens[tokens.length - 1];
  if (REFERENCE_SUFFIXES.has(last)) return undefined;
  if (last === 'password' || last === 'passwd' || last === 'passphrase' || last === 'pwd' || last.endsWith('password') || last.endsWith('passwd') || last.endsWith('passphrase')) return 'password';
  if (last === 'pass' && tokens.length > 1) return 'password';
  if (last === 'secret' || (last.endsWith('secret') && last.length > 6)) return 'secret';
  if (last === 'token' || (last.endsWith('token') && last.length > 5)) return 'token';
  if (last === 'apikey' || last.endsWith('apikey')) return 'API key';
  if (last === 'privatekey' || last.endsWith('privatekey')) return 'private key';
  if (last === 'accesskey' || last.endsWith('accesskey')) return 'access key';
  if (last === 'secretkey' || last.endsWith('secretkey')) return 'secret key';
  if (last === 'credential' || last === 'credentials' || last === 'creds') return 'credential';
  if (last === 'key' && tokens.length > 1) {
    // aws_secret_access_key, x-api-key, private_key, signing_key: the nearest qualifier decides.
    for (let i = tokens.length - 2; i >= 0; i--) {
      const q = KEY_QUALIFIERS[tokens[i]];
      if (q) return tokens.slice(0, i + 1).includes('secret') ? 'secret key' : q;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------ pattern detection

interface PatternMatch {
  start: number;
  end: number;
  kind: string;
  hint: string;
}

interface Pattern {
  re: RegExp;
  /** Kind and hint for a match, or undefined to reject it (placeholder, invalid). */
  accept(m: RegExpExecArray): { kind: string; hint: string } | undefined;
}

/** Placeholders inside token-shaped strings: EXAMPLE keys, xxxx, repeated or sequential filler. */
function fillerToken(s: string): boolean {
  return /example|sample|dummy|fake|your|placeholder|redacted|x{6,}|X{6,}|\*{3,}|0{10,}|(.)\1{7,}|1234567890|abcdefghij|ABCDEFGHIJ/i.test(s);
}

function tokenPattern(re: RegExp, kind: string | ((m: RegExpExecArray) => string), keep: number, minEntropy = 3.0): Pattern {
  return {
    re,
    accept(m) {
      const s = m[0];
      if (fillerToken(s) || entropy(s.slice(keep)) < minEntropy) return undefined;
      return { kind: typeof kind === 'string' ? kind : kind(m), hint: masked(s, keep) };
    },
  };
}

const PEM_KINDS: Readonly<Record<string, string>> = {
  '': 'private key',
  'RSA ': 'RSA private key',
  'DSA ': 'DSA private key',
  'EC ': 'EC private key',
  'OPENSSH ': 'OpenSSH private key',
  'ENCRYPTED ': 'encrypted private key',
  'PGP ': 'PGP private key',
};

/**
 * The body of a PEM block is real when it holds enough base64 (escaped `\n` of a JSON file counts as
 * a line break; `Proc-Type:`/`DEK-Info:` header lines are skipped). Real key material is dense:
 * placeholders such as `...`, `<key>` or `AAAA…` fail the alphabet or the entropy test.
 */
function realPemBody(body: string): boolean {
  const lines = body.replace(/\\[nr]/g, '\n').split('\n');
  let b = '';
  for (const l of lines) {
    const t = l.trim();
    if (t === '' || /^[A-Za-z-]+:/.test(t)) continue;
    b += t;
  }
  return b.length >= 64 && /^[A-Za-z0-9+/=]+$/.test(b) && !/example/i.test(b) && entropy(b) >= 4.5;
}

const GITHUB_KINDS: Readonly<Record<string, string>> = {
  p: 'GitHub personal access token',
  o: 'GitHub OAuth access token',
  u: 'GitHub user-to-server token',
  s: 'GitHub server-to-server token',
  r: 'GitHub refresh token',
};

function userinfoPassword(decoded: string | undefined): boolean {
  if (decoded === undefined || !printable(decoded)) return false;
  const i = decoded.indexOf(':');
  if (i <= 0) return false;
  const pass = decoded.slice(i + 1);
  return pass.length > 0 && !isPlaceholder(pass) && !isReference(pass);
}

const PATTERNS: readonly Pattern[] = [
  {
    re: /-----BEGIN ((?:[A-Z0-9]+ )?)PRIVATE KEY(?: BLOCK)?-----([\s\S]{0,65536}?)-----END /g,
    accept(m) {
      if (!realPemBody(m[2])) return undefined;
      return { kind: `${PEM_KINDS[m[1]] ?? `${m[1].trim()} private key`} (PEM)`, hint: '' };
    },
  },
  {
    // A PEM private key, base64-encoded again (kubeconfig client-key-data, Helm values).
    re: /\bLS0tLS1CRUdJTi[A-Za-z0-9+/]{40,}={0,2}/g,
    accept(m) {
      const d = decodeBase64(m[0]);
      if (d === undefined) return undefined;
      const pem = /-----BEGIN ((?:[A-Z0-9]+ )?)PRIVATE KEY(?: BLOCK)?-----/.exec(d);
      if (!pem || d.length < 120) return undefined;
      return { kind: `base64-encoded ${PEM_KINDS[pem[1]] ?? 'private key'}`, hint: masked(m[0], 14) };
    },
  },
  tokenPattern(/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g, 'AWS access key ID', 4, 2.5),
  tokenPattern(/\bgh([pousr])_[A-Za-z0-9]{36}\b/g, (m) => GITHUB_KINDS[m[1]], 4),
  tokenPattern(/\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{50,70}\b/g, 'GitHub fine-grained personal access token', 11),
  tokenPattern(/\bglpat-[A-Za-z0-9_-]{20,}/g, 'GitLab personal access token', 6),
  tokenPattern(/\bxox[abprs]-\d{6,}-[A-Za-z0-9-]{10,}/g, 'Slack token', 5, 2.5),
  tokenPattern(/https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/g, 'Slack incoming webhook URL', 33, 2.5),
  tokenPattern(/\b([rs])k_live_[A-Za-z0-9]{20,}\b/g, (m) => (m[1] === 'r' ? 'Stripe live restricted key' : 'Stripe live secret key'), 8),
  tokenPattern(/\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, 'Google API key', 4),
  tokenPattern(/\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, 'SendGrid API key', 3),
  tokenPattern(/\bnpm_[A-Za-z0-9]{36}\b/g, 'npm access token', 4),
  tokenPattern(/\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}/g, 'OpenAI API key', 3),
  tokenPattern(/\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}/g, 'Anthropic API key', 7),
  tokenPattern(/\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g, 'HashiCorp Vault token', 4),
  tokenPattern(/\bAccountKey=[A-Za-z0-9+/]{86}==/g, 'Azure storage account key', 11),
  {
    // A JWT: three base64url parts; the header decodes to a JSON object naming its algorithm.
    re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g,
    accept(m) {
      const header = decodeBase64(m[0].slice(0, m[0].indexOf('.')));
      if (header === undefined) return undefined;
      try {
        const h: unknown = JSON.parse(header);
        if (typeof h !== 'object' || h === null || typeof (h as { alg?: unknown }).alg !== 'string') return undefined;
      } catch {
        return undefined;
      }
      return { kind: 'JSON Web Token', hint: masked(m[0], 3) };
    },
  },
  {
    // scheme://user:password@host — the password must be literal, not ${VAR}, $(VAR), <password> or ****.
    re: /\b([a-zA-Z][a-zA-Z0-9+.-]{1,30}):\/\/([^\s:@/?#'"<>{}]{0,128}):([^\s@/'"<>]{1,256})@(?=[A-Za-z0-9[])/g,
    accept(m) {
      const pass = m[3];
      if (isPlaceholder(pass) || isReference(pass) || /^[0-9]{1,5}$/.test(pass)) return undefined;
      return { kind: `password embedded in a ${m[1].toLowerCase()}:// URL`, hint: '' };
    },
  },
  {
    re: /\bBasic\s+([A-Za-z0-9+/]{12,}={0,2})(?![A-Za-z0-9+/=])/g,
    accept(m) {
      return userinfoPassword(decodeBase64(m[1])) ? { kind: 'HTTP basic authentication credentials', hint: '' } : undefined;
    },
  },
  {
    re: /\bBearer\s+([A-Za-z0-9._~+/-]{24,}=*)/g,
    accept(m) {
      const t = m[1];
      if (fillerToken(t) || charClasses(t) < 2 || entropy(t) < 3.5) return undefined;
      return { kind: 'bearer token', hint: masked(t, 0) };
    },
  },
  {
    // Container registry auth as in .dockerconfigjson: base64 of user:password.
    re: /"auth"\s*:\s*"([A-Za-z0-9+/]{8,}={0,2})"/g,
    accept(m) {
      return userinfoPassword(decodeBase64(m[1])) ? { kind: 'container registry credentials (auth)', hint: '' } : undefined;
    },
  },
];

const AWS_KEY_ID_RE = /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/;
const AWS_SECRET_RE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/** True when the text holds an AWS access key id (placeholders such as AKIA…EXAMPLE excluded). */
export function hasAwsKeyId(text: string): boolean {
  const m = AWS_KEY_ID_RE.exec(text);
  return m !== null && !fillerToken(m[0]);
}

function awsSecret(s: string): boolean {
  return /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s) && !fillerToken(s) && entropy(s) >= 4.0;
}

/** Pattern matches in `text`, overlapping matches reduced to the outermost. */
function patternScan(text: string, awsNearby: boolean): PatternMatch[] {
  const t = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  const found: PatternMatch[] = [];
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = p.re.exec(t)) !== null) {
      const a = p.accept(m);
      if (a) found.push({ start: m.index, end: m.index + m[0].length, ...a });
      if (m[0].length === 0) p.re.lastIndex++;
    }
  }
  if (awsNearby || found.some((f) => f.kind === 'AWS access key ID')) {
    AWS_SECRET_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = AWS_SECRET_RE.exec(t)) !== null) {
      if (awsSecret(m[0])) found.push({ start: m.index, end: m.index + 40, kind: 'AWS secret access key', hint: masked(m[0], 0) });
    }
  }
  if (found.length <= 1) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PatternMatch[] = [];
  for (const f of found) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) continue; // inside (or overlapping) an earlier, longer match
    out.push(f);
  }
  return out;
}

// --------------------------------------------------------------------- structured values

interface Pair {
  key: string;
  value: string;
  /** 0-based line. */
  line: number;
}

/** `key: value`, `key = value`, `export KEY=value`, `"key": "value",`, `- key: value` at the start of a line. */
const LINE_ASSIGN = /^\s*(?:export\s+|set\s+|-\s+)?["']?([A-Za-z_][A-Za-z0-9_.[\]-]*)["']?\s*(?:=|:(?!\/\/))\s*(.*)$/;
/** `key=value` anywhere: query strings, command-line flags, connection strings, XML attributes, -Dprop=value. */
const INLINE_ASSIGN = /(?:^|[\s;,&?{(])(?:-D(?=[A-Za-z_])|-{0,2})([A-Za-z_][A-Za-z0-9_.-]*)\s?=\s?("[^"\n]*"|'[^'\n]*'|[^\s&;,"'<>)]+)/g;
/** `"key": "value"` anywhere (JSON on one line). */
const JSON_PAIR = /"([A-Za-z_][A-Za-z0-9_.-]*)"\s*:\s*"((?:[^"\\\n]|\\.){0,1024})"/g;
/** `<password>value</password>` */
const XML_ELEMENT = /<([A-Za-z_][A-Za-z0-9_.:-]*)>([^<\n]{1,1024})<\/\1>/g;

function unquote(raw: string): string {
  let v = raw.trim();
  if (v.startsWith('"')) {
    const end = v.indexOf('"', 1);
    return end > 0 ? v.slice(1, end) : v.slice(1);
  }
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    return end > 0 ? v.slice(1, end) : v.slice(1);
  }
  // Unquoted: drop a trailing comment and separators of JSON / INI / shell.
  v = v.replace(/\s+[#;].*$/, '').replace(/\s*\/\/.*$/, '');
  return v.replace(/[,;]$/, '').trim();
}

function pairsOf(text: string): Pair[] {
  const out: Pair[] = [];
  const seen = new Set<string>();
  const add = (key: string, value: string, line: number): void => {
    const id = `${line}\u0000${key}\u0000${value}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ key, value, line });
  };
  const lines = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN).split('\n') : text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > MAX_PAIR_LINE || line.length < 4) continue;
    if (!/[=:<]/.test(line)) continue;
    const la = LINE_ASSIGN.exec(line);
    if (la) add(la[1], unquote(la[2]), i);
    for (const re of [INLINE_ASSIGN, JSON_PAIR, XML_ELEMENT]) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(line)) !== null) add(m[1], re === INLINE_ASSIGN ? unquote(m[2]) : m[2], i);
    }
  }
  return out;
}

function lineOf(text: string, index: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

// ---------------------------------------------------------------------------------- entry

/**
 * Credentials in one value. `opts.name` is the key the value is stored under: a credential-like name
 * with a secret-looking value is a finding even when no pattern matches. Multi-line or structured
 * values are also read for `key = value` pairs.
 */
export function findCredentials(value: unknown, opts: ScanOptions = {}): Credential[] {
  if (typeof value !== 'string' || value.length < 6) return [];
  const multiLine = value.includes('\n');
  const out: Credential[] = [];
  const coveredLines = new Set<number>();
  for (const m of patternScan(value, opts.awsKeyNearby === true)) {
    const c: Credential = { kind: m.kind, hint: m.hint, basis: 'pattern' };
    if (multiLine) {
      const first = lineOf(value, m.start);
      const last = lineOf(value, m.end - 1);
      c.line = first + 1;
      for (let l = first; l <= last; l++) coveredLines.add(l);
    } else coveredLines.add(0);
    out.push(c);
  }
  if (opts.name !== undefined && out.length === 0 && !multiLine) {
    const cls = credentialClassOf(opts.name);
    if (cls && looksLikeSecret(cls, value)) {
      out.push({ kind: cls, hint: masked(value.trim(), 0), basis: 'name' });
      return out;
    }
  }
  if (!/[=:<]/.test(value)) return out;
  const seen = new Set<string>();
  for (const p of pairsOf(value)) {
    if (coveredLines.has(p.line)) continue;
    const cls = credentialClassOf(p.key);
    if (!cls || !looksLikeSecret(cls, p.value)) continue;
    const id = `${p.line}\u0000${p.key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const c: Credential = { kind: cls, hint: masked(p.value.trim(), 0), basis: 'name', key: p.key };
    if (multiLine) c.line = p.line + 1;
    out.push(c);
  }
  return out;
}

/** `GitHub personal access token (ghp_…, 40 characters)`, `password under "db.password" on line 3 (14 characters)`. */
export function describeCredential(c: Credential): string {
  let s = c.kind;
  if (c.key !== undefined) s += ` under ${JSON.stringify(c.key)}`;
  if (c.line !== undefined) s += ` on line ${c.line}`;
  return c.hint ? `${s} ${c.hint}` : s;
}

/** One line for a list of credentials: the first three described, then a count of the rest. */
export function describeCredentials(list: readonly Credential[]): string {
  const shown = list.slice(0, 3).map(describeCredential);
  const rest = list.length - shown.length;
  return rest > 0 ? `${shown.join('; ')}; and ${rest} more` : shown.join('; ');
}
