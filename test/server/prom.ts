/**
 * A strict parser for the Prometheus text exposition format 0.0.4, for checking /metrics: every line
 * is a HELP or TYPE comment or a sample; names and label names are valid; label values are escaped;
 * a metric's lines form one group after its TYPE; histograms have cumulative buckets ending in +Inf,
 * equal to _count, and a _sum. Throws with the offending line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, line: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value "${s}" in: ${line}`);
  return Number(s);
}

function parseSample(line: string): Sample {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i])) i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      let j = i;
      while (j < line.length && /[a-zA-Z0-9_]/.test(line[j])) j++;
      const ln = line.slice(i, j);
      if (!LABEL.test(ln)) throw new Error(`bad label name "${ln}" in: ${line}`);
      if (line[j] !== '=' || line[j + 1] !== '"') throw new Error(`expected ="…" after ${ln} in: ${line}`);
      j += 2;
      let v = '';
      for (;;) {
        const c = line[j];
        if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
        if (c === '"') break;
        if (c === '\\') {
          const n = line[j + 1];
          if (n === '\\') v += '\\';
          else if (n === '"') v += '"';
          else if (n === 'n') v += '\n';
          else throw new Error(`bad escape \\${n} in: ${line}`);
          j += 2;
          continue;
        }
        v += c;
        j++;
      }
      if (ln in labels) throw new Error(`duplicate label ${ln} in: ${line}`);
      labels[ln] = v;
      j++;
      if (line[j] === ',') j++;
      else if (line[j] !== '}') throw new Error(`expected , or } in: ${line}`);
      i = j;
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`expected a space before the value in: ${line}`);
  const rest = line.slice(i + 1).split(' ');
  if (rest.length > 2 || rest[0] === '') throw new Error(`bad value/timestamp in: ${line}`);
  const value = parseValue(rest[0], line);
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1])) throw new Error(`bad timestamp in: ${line}`);
  return { name, labels, value };
}

function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const f = families.get(sample.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || f.type === 'summary')) return f;
    }
  }
  return undefined;
}

export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, what, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      let f = families.get(name);
      if (closed.has(name)) throw new Error(`metric ${name} appears in two groups`);
      if (!f) {
        if (current && current.name !== name) closed.add(current.name);
        f = { name, type: 'untyped', samples: [] };
        families.set(name, f);
        current = f;
      }
      if (what === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type in: ${line}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples in: ${line}`);
        f.type = rest;
      } else f.help = rest;
      continue;
    }
    const s = parseSample(line);
    const f = familyOf(s.name, families);
    if (!f) throw new Error(`sample without HELP/TYPE: ${line}`);
    if (f !== current) throw new Error(`metric ${f.name} appears in two groups`);
    f.samples.push(s);
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  const key = (l: Record<string, string>): string => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
  for (const s of f.samples) {
    const k = key(s.labels);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(s);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    const sum = samples.find((s) => s.name === `${f.name}_sum`);
    if (!count || !sum || buckets.length === 0) throw new Error(`histogram ${f.name} needs buckets, _sum and _count`);
    let prevLe = -Infinity;
    let prev = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le ?? '', `le of ${f.name}`);
      if (!(le > prevLe)) throw new Error(`histogram ${f.name}: le must increase`);
      if (b.value < prev) throw new Error(`histogram ${f.name}: buckets must be cumulative`);
      prevLe = le;
      prev = b.value;
    }
    if (prevLe !== Infinity) throw new Error(`histogram ${f.name}: the last bucket must be +Inf`);
    if (prev !== count.value) throw new Error(`histogram ${f.name}: +Inf bucket ${prev} != _count ${count.value}`);
  }
}

/** The value of the sample with exactly these labels (0 when absent). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const f = familyOf(name, families);
  if (!f) return 0;
  const want = Object.entries(labels);
  const s = f.samples.find((x) => x.name === name && want.every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === want.length);
  return s?.value ?? 0;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function sumOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const f = familyOf(name, families);
  if (!f) return 0;
  const want = Object.entries(labels);
  return f.samples.filter((x) => x.name === name && want.every(([k, v]) => x.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}
