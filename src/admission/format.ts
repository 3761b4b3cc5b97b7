/**
 * Text the API server passes on: the deny message (`kubectl apply` prints it after "admission webhook
 * … denied the request:"), warnings (one `Warning:` line each) and audit annotations.
 *
 * Limits (k8s.io/apiserver, AdmissionResponse docs): warnings should stay under 120 characters where
 * possible and are truncated past 256, the total past 4 KiB; they are single-line header values.
 * Audit annotation keys are qualified names without a prefix (the API server prefixes them with the
 * webhook's name).
 */

/** Longest warning we send (the API server truncates at 256 runes). */
export const MAX_WARNING = 250;
/** Warnings per response; further violations are summed up in a last one. */
export const MAX_WARNINGS = 12;
/** Violated controls listed in a deny message, and its overall length. */
export const MAX_DENY_LINES = 10;
export const MAX_DENY_CHARS = 3000;
/** Longest audit annotation value. */
export const MAX_ANNOTATION = 4096;
/**
 * Longest `details` annotation (the findings as JSON): every review of a controller-created pod
 * carries one into the audit log and the response, so it holds the first findings and a count of
 * the rest; `violations` names every control.
 */
export const MAX_DETAILS = 1536;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
// eslint-disable-next-line no-control-regex
const NEEDS_CLEANING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]| {2}/;

/** One line: control characters (newlines included) become a space. */
export function oneLine(s: string): string {
  // Most messages are one clean line already: one test instead of two replacements.
  if (!NEEDS_CLEANING.test(s)) return s.trim();
  return s.replace(CONTROL_CHARS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Cuts `s` to `max` code points, ending with "…" when cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < 2) {
    const cps = Array.from(s);
    return cps.length <= max ? s : cps.slice(0, max - 1).join('').trimEnd() + '…';
  }
  // Code points as Array.from counts them (a surrogate pair is one, a lone surrogate one), without the array.
  let cut = -1;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    count++;
    if (count === max - 1) cut = i + 1;
    if (count > max) return s.slice(0, cut).trimEnd() + '…';
  }
  return s;
}

/**
 * The one-line remediation of a catalog control: its first sentence, before any YAML snippet or line
 * break, shortened at a clause boundary when it is still long.
 */
export function firstLine(remediation: string, max = 120): string {
  let s = remediation;
  const fence = s.indexOf('```');
  if (fence >= 0) s = s.slice(0, fence);
  const nl = s.indexOf('\n');
  if (nl >= 0) s = s.slice(0, nl);
  const introducesSnippet = fence >= 0 && /:\s*$/.test(s) && (nl < 0 || nl >= fence - 1);
  s = oneLine(s).replace(/[:\s]+$/, '');
  if (introducesSnippet) {
    const hint = snippetHint(remediation.slice(fence + 3));
    if (hint && (hint.security || s.length < 25) && s.length + hint.text.length + 2 <= max + 20) return `${s}: ${hint.text}`;
  }
  const sentence = /(?<!\b(?:e\.g|i\.e|etc|vs))\.\s/.exec(s);
  if (sentence && sentence.index >= 15) s = s.slice(0, sentence.index);
  if (s.length > max) {
    const cut = (sep: string): number => {
      const i = s.lastIndexOf(sep, max);
      return i >= 30 ? i : -1;
    };
    const at = [cut('; '), cut(' — '), cut(' ('), cut(', ')].find((i) => i > 0);
    if (at !== undefined) s = s.slice(0, at);
    else {
      const sp = s.lastIndexOf(' ', max - 1);
      s = `${s.slice(0, sp > 30 ? sp : max - 1)}…`;
    }
  }
  return s.replace(/\.$/, '');
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECURITY_PARENTS: ReadonlySet<string> = new Set(['securityContext', 'seccompProfile', 'capabilities', 'appArmorProfile', 'seLinuxOptions', 'windowsOptions']);

/**
 * The setting a remediation's YAML snippet is about: its first leaf that is not a name or type field,
 * with its parent key (`securityContext.allowPrivilegeEscalation: false`).
 */
export function snippetHint(fenced: string): { text: string; security: boolean } | undefined {
  const end = fenced.indexOf('```');
  const body = (end >= 0 ? fenced.slice(0, end) : fenced).replace(/^[a-z]*\n/, '');
  const stack: { indent: number; key: string }[] = [];
  for (const raw of body.split('\n')) {
    const m = /^(\s*)(- )?([^:#]+):(?:\s+(.*))?$/.exec(raw);
    if (!m) continue;
    const indent = m[1].length + (m[2] ? 2 : 0);
    const key = m[3].trim();
    const value = (m[4] ?? '').trim();
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    if (value === '') {
      stack.push({ indent, key });
      continue;
    }
    if (['name', 'apiVersion', 'kind'].includes(key)) continue;
    const parent = stack.length > 0 ? stack[stack.length - 1].key : undefined;
    const show = parent && IDENT.test(parent) && IDENT.test(key) && !['spec', 'containers', 'metadata', 'labels'].includes(parent) ? `${parent}.${key}` : key;
    return { text: `${show}: ${value}`, security: (parent !== undefined && SECURITY_PARENTS.has(parent)) || key.includes('/') };
  }
  return undefined;
}
