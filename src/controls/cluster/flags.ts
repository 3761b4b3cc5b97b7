/**
 * Command-line flags of the control-plane components, read from a container's `command` + `args`.
 *
 * Kubernetes components parse flags with spf13/pflag, etcd with Go's standard `flag` package. What
 * this parser reproduces, because a scanner that read flags differently could be bypassed:
 *
 *  - `--name=value` and `--name value`: a flag that takes a value takes the next element, whatever it
 *    is — pflag and Go's flag do not look at it, so `--audit-log-path --anonymous-auth=false` sets
 *    the audit log path to the text `--anonymous-auth=false` and leaves anonymous auth at its
 *    default (the occurrence is marked `swallowed`); a lone `-` is a value (standard out);
 *  - boolean flags given without a value mean true (`--profiling`), and a boolean flag never takes
 *    the next element as its value: `--profiling false` leaves profiling ON (pflag reads `false` as a
 *    stray positional argument). Which flags are boolean is passed in by the caller;
 *  - repeated flags: the last occurrence wins for scalars; list flags (pflag `strings`, e.g.
 *    `--enable-admission-plugins`, `--authorization-mode`, `--tls-cipher-suites`) append every
 *    occurrence (pflag's stringSlice Set appends after the first), so `list()` returns the union;
 *    `--feature-gates` occurrences merge key by key, later keys winning;
 *  - Kubernetes components normalise `_` to `-` in flag names (`--anonymous_auth` is
 *    `--anonymous-auth`, component-base's WordSepNormalizeFunc); etcd does not;
 *  - `--` ends the flags; Go's `flag` (etcd) also stops at the first positional argument and
 *    accepts a single dash (`-client-cert-auth`);
 *  - one element holding a whole shell command line (`sh -c "exec kube-apiserver --a=b …"`):
 *    the script is split into words as a POSIX shell would (quotes, backslashes, line
 *    continuations, `;`/`&&`/`||`/`|`/newline between commands) and every flag found in it is
 *    reported at the path of that one element.
 *
 * Every occurrence remembers the JSON path of the element it came from, so findings point at e.g.
 * `spec.containers[0].command[5]`. Nothing here throws on odd input.
 */

/** One element of a container's command line, with its JSON path. */
export interface ArgElement {
  value: string;
  path: string;
}

/** One occurrence of a flag. */
export interface FlagOccurrence {
  /** Name without dashes (normalised for Kubernetes components). */
  name: string;
  /** The value, or undefined when the flag was given without one (`--profiling`). */
  value: string | undefined;
  /** Path of the element holding the flag name. */
  path: string;
  /** Path of the element holding the value (the same element for `--x=y` and inside scripts). */
  valuePath: string;
  /** The text as written, for messages (`--profiling=true`, `--audit-log-maxage 7`). */
  text: string;
  /**
   * For a boolean flag given alone: the boolean word right after it, which pflag does not take as
   * its value (`--profiling false` turns profiling on and leaves a stray `false` argument).
   */
  stray?: string;
  /** The value is the next element, which looks like a flag: the component reads it as the value (see above). */
  swallowed?: boolean;
}

export interface FlagSyntax {
  /** Flags that are boolean: given alone they mean true and never consume the next element. */
  booleans: ReadonlySet<string>;
  /** Go `flag` package rules (etcd): single-dash long flags, stop at the first positional argument, no `_` normalisation. */
  goFlag?: boolean;
}

/** A parsed command line: every flag occurrence, in order. */
export class ParsedFlags {
  readonly all: readonly FlagOccurrence[];
  private readonly byName = new Map<string, FlagOccurrence[]>();

  constructor(all: FlagOccurrence[]) {
    this.all = all;
    for (const o of all) {
      let l = this.byName.get(o.name);
      if (!l) this.byName.set(o.name, (l = []));
      l.push(o);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  occurrences(name: string): readonly FlagOccurrence[] {
    return this.byName.get(name) ?? EMPTY;
  }

  /** The occurrence that takes effect for a scalar flag: the last one. */
  last(name: string): FlagOccurrence | undefined {
    const l = this.byName.get(name);
    return l === undefined ? undefined : l[l.length - 1];
  }

  /**
   * Items of a comma-separated list flag across all its occurrences (pflag appends repeated
   * occurrences), trimmed, empty items dropped, each with the occurrence it came from.
   */
  list(name: string): ListItem[] {
    const l = this.byName.get(name);
    if (l === undefined) return [];
    const out: ListItem[] = [];
    for (const occ of l) {
      if (occ.value === undefined) continue;
      for (const raw of occ.value.split(',')) {
        const item = stripQuotes(raw.trim());
        if (item !== '') out.push({ item, occ });
      }
    }
    return out;
  }

  /**
   * A `key=bool,key=bool` map flag (`--feature-gates`): occurrences merge, later keys win. Values
   * that are not booleans are kept as undefined (the component would refuse to start).
   */
  boolMap(name: string): Map<string, { value: boolean | undefined; raw: string; occ: FlagOccurrence }> {
    const out = new Map<string, { value: boolean | undefined; raw: string; occ: FlagOccurrence }>();
    for (const occ of this.occurrences(name)) {
      if (occ.value === undefined) continue;
      for (const pair of occ.value.split(',')) {
        const eq = pair.indexOf('=');
        if (eq < 0) continue;
        const key = pair.slice(0, eq).trim();
        const raw = pair.slice(eq + 1).trim();
        if (key !== '') out.set(key, { value: parseBool(raw), raw, occ });
      }
    }
    return out;
  }
}

export interface ListItem {
  item: string;
  occ: FlagOccurrence;
}

const EMPTY: readonly FlagOccurrence[] = Object.freeze([]) as readonly FlagOccurrence[];

function stripQuotes(s: string): string {
  return s.length >= 2 && ((s[0] === '"' && s[s.length - 1] === '"') || (s[0] === "'" && s[s.length - 1] === "'")) ? s.slice(1, -1) : s;
}

/** Go's strconv.ParseBool, which pflag and the flag package use: undefined when not a boolean. */
export function parseBool(s: string | undefined): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/** A decimal integer as pflag's int flags accept it (strconv.ParseInt base 0 also takes 0x.., 0o.., 0b..). */
export function parseIntFlag(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim().replace(/_/g, '');
  if (/^[-+]?\d+$/.test(t)) {
    // base 0: a leading 0 means octal
    const neg = t.startsWith('-');
    const digits = t.replace(/^[-+]/, '');
    const n = digits.length > 1 && digits.startsWith('0') ? /^[0-7]+$/.test(digits) ? parseInt(digits, 8) : NaN : parseInt(digits, 10);
    if (Number.isNaN(n)) return undefined;
    return neg ? -n : n;
  }
  const m = /^([-+]?)0([xob])([0-9a-f]+)$/i.exec(t);
  if (m) {
    const base = m[2].toLowerCase() === 'x' ? 16 : m[2].toLowerCase() === 'o' ? 8 : 2;
    const n = parseInt(m[3], base);
    if (Number.isNaN(n)) return undefined;
    return m[1] === '-' ? -n : n;
  }
  return undefined;
}

/** Go's time.ParseDuration, in seconds (undefined when invalid). */
export function parseGoDuration(s: string): number | undefined {
  const t = s.trim();
  if (t === '0' || t === '+0' || t === '-0') return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(t);
  if (!m) return undefined;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(t)) !== null) total += parseFloat(part[1]) * units[part[2]];
  return m[1] === '-' ? -total : total;
}

/**
 * Parses flags from `elems[start..]`. Elements that are not flags (positional arguments) are
 * skipped for pflag (the component would refuse them, which is not this parser's business) and end
 * parsing for Go's flag package.
 */
export function parseFlagElements(elems: readonly ArgElement[], start: number, syntax: FlagSyntax): FlagOccurrence[] {
  const out: FlagOccurrence[] = [];
  for (let i = start; i < elems.length; i++) {
    const e = elems[i];
    const s = e.value;
    if (s === '--') break;
    let body: string;
    if (s.startsWith('--')) body = s.slice(2);
    else if (s.startsWith('-') && s.length > 1) {
      if (!syntax.goFlag) {
        // pflag shorthand (-v=2, -v 2, -h): Kubernetes components have no security-relevant shorthands.
        if (s.indexOf('=') < 0 && s.length === 2 && i + 1 < elems.length && !looksLikeFlag(elems[i + 1].value)) i++;
        continue;
      }
      body = s.slice(1);
    } else {
      if (syntax.goFlag) break;
      continue;
    }
    if (body === '' || body.startsWith('-') || body.startsWith('=')) continue;
    const eq = body.indexOf('=');
    let name = eq < 0 ? body : body.slice(0, eq);
    if (!syntax.goFlag) name = name.replace(/_/g, '-');
    if (eq >= 0) {
      out.push({ name, value: body.slice(eq + 1), path: e.path, valuePath: e.path, text: s });
      continue;
    }
    if (syntax.booleans.has(name)) {
      const after = elems[i + 1]?.value;
      const occ: FlagOccurrence = { name, value: undefined, path: e.path, valuePath: e.path, text: s };
      if (after !== undefined && parseBool(after) !== undefined) occ.stray = after;
      out.push(occ);
      continue;
    }
    const next = elems[i + 1];
    if (next !== undefined) {
      const swallowed = looksLikeFlag(next.value);
      // A swallowed flag is reported at the flag that lacks its value.
      const occ: FlagOccurrence = { name, value: next.value, path: e.path, valuePath: swallowed ? e.path : next.path, text: `${s} ${next.value}` };
      if (swallowed) occ.swallowed = true;
      out.push(occ);
      i++;
    } else {
      out.push({ name, value: undefined, path: e.path, valuePath: e.path, text: s });
    }
  }
  return out;
}

/** Whether an element is a flag (a lone `-` is a value: standard out). */
function looksLikeFlag(s: string): boolean {
  return s.length > 1 && s[0] === '-';
}

// ------------------------------------------------------------------------------------ shell scripts

/**
 * Splits a shell script into simple commands (arrays of words) the way a POSIX shell tokenises it:
 * single quotes are literal, double quotes keep spaces (with `\"`, `\\`, `\$` escapes), a backslash
 * escapes the next character, backslash-newline continues the line, `#` starts a comment at the
 * beginning of a word, and unquoted `;`, `&`, `|`, `(`, `)` and newlines separate commands.
 * Expansions (`$VAR`, `$(…)`) are kept as written. Never throws; an unterminated quote ends at the
 * end of the script.
 */
export function splitShellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const n = script.length;
  let i = 0;
  while (i < n) {
    const ch = script[i];
    if (ch === '\\') {
      if (i + 1 < n) {
        if (script[i + 1] === '\n') {
          i += 2; // line continuation
          continue;
        }
        word += script[i + 1];
        inWord = true;
        i += 2;
      } else i++;
      continue;
    }
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word += end < 0 ? script.slice(i + 1) : script.slice(i + 1, end);
      inWord = true;
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (ch === '"') {
      inWord = true;
      i++;
      while (i < n && script[i] !== '"') {
        if (script[i] === '\\' && i + 1 < n && '"\\$`\n'.includes(script[i + 1])) {
          if (script[i + 1] !== '\n') word += script[i + 1];
          i += 2;
        } else {
          word += script[i];
          i++;
        }
      }
      i++; // closing quote
      continue;
    }
    if (ch === '#' && !inWord) {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
      i++;
      continue;
    }
    if (ch === '\n' || ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')') {
      endCommand();
      i++;
      continue;
    }
    word += ch;
    inWord = true;
    i++;
  }
  endCommand();
  return commands;
}

const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);
/** Programs that run another program given as their arguments. */
const WRAPPERS: ReadonlySet<string> = new Set(['tini', 'tini-static', 'dumb-init', 'catatonit', 'env', 'nohup', 'exec', 'command', 'hyperkube', 'setsid', 'nice', 'ionice', 'chrt', 'taskset']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** `/usr/local/bin/kube-apiserver` → `kube-apiserver`; `C:\k\kube-proxy.exe` → `kube-proxy`. */
export function programName(s: string): string {
  const slash = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  const base = slash >= 0 ? s.slice(slash + 1) : s;
  return base.toLowerCase().endsWith('.exe') ? base.slice(0, -4) : base;
}

/** Where a program starts on a command line. */
export interface ProgramMatch {
  /** The program's name as recognised (after aliasing). */
  program: string;
  /** The elements its flags are read from (for scripts: the script's words, all at the script's path). */
  elems: readonly ArgElement[];
  /** Index of the first flag element in `elems`. */
  start: number;
  /** Set when the command line came from a shell script: the path of the element holding it. */
  scriptPath?: string;
}

/**
 * Finds the program a command line runs, looking through wrappers (`tini --`, `dumb-init`, `env A=b`,
 * `hyperkube kube-apiserver`) and `sh -c` scripts. `recognise` maps a program name (already
 * stripped of its directory) to the canonical name, or undefined for programs of no interest.
 */
export function findProgram(elems: readonly ArgElement[], recognise: (name: string, afterHyperkube: boolean) => string | undefined): ProgramMatch | undefined {
  let i = 0;
  let afterHyperkube = false;
  // Bounded: every iteration advances i.
  while (i < elems.length) {
    const word = elems[i].value;
    if (word === '' || ASSIGNMENT.test(word)) {
      i++;
      continue;
    }
    const name = programName(word);
    const known = recognise(name, afterHyperkube);
    if (known !== undefined) return { program: known, elems, start: i + 1 };
    if (SHELLS.has(name) || (name === 'busybox' && i + 1 < elems.length && SHELLS.has(elems[i + 1].value))) {
      if (name === 'busybox') i++;
      return inScript(elems, i + 1, recognise);
    }
    if (!WRAPPERS.has(name)) return undefined;
    afterHyperkube = name === 'hyperkube';
    i++;
    // The wrapper's own options and, for env, assignments.
    while (i < elems.length && (looksLikeFlag(elems[i].value) || elems[i].value === '--' || ASSIGNMENT.test(elems[i].value))) i++;
  }
  return undefined;
}

function inScript(elems: readonly ArgElement[], from: number, recognise: (name: string, afterHyperkube: boolean) => string | undefined): ProgramMatch | undefined {
  // The shell's options up to the one that carries `c` (-c, -ec, -xc, -lc …); the next element is the script.
  for (let i = from; i < elems.length; i++) {
    const s = elems[i].value;
    if (!/^-[A-Za-z]+$/.test(s)) return undefined;
    if (!s.includes('c')) continue;
    const script = elems[i + 1];
    if (script === undefined) return undefined;
    for (const words of splitShellCommands(script.value)) {
      const scriptElems = words.map((value) => ({ value, path: script.path }));
      const m = findProgram(scriptElems, recognise);
      if (m) return { ...m, scriptPath: script.path };
    }
    return undefined;
  }
  return undefined;
}

/** Parses the flags of a recognised program. */
export function flagsOf(match: ProgramMatch, syntax: FlagSyntax): ParsedFlags {
  return new ParsedFlags(parseFlagElements(match.elems, match.start, syntax));
}
