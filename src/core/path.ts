/**
 * JSON paths in the dotted form kubectl and Kubernetes field errors use:
 *   spec.template.spec.containers[0].securityContext.privileged
 *   metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]
 */

export type PathSegment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends a key or an index to a path. */
export function child(base: string, seg: PathSegment): string {
  if (typeof seg === 'number') return `${base}[${seg}]`;
  if (IDENT.test(seg)) return base === '' ? seg : `${base}.${seg}`;
  return `${base}[${JSON.stringify(seg)}]`;
}

export function join(...segs: PathSegment[]): string {
  let p = '';
  for (const s of segs) p = child(p, s);
  return p;
}

/** Concatenates two already-formatted paths. */
export function concat(base: string, rel: string): string {
  if (base === '') return rel;
  if (rel === '') return base;
  return rel.startsWith('[') ? base + rel : `${base}.${rel}`;
}

const internTable = new Map<string, Map<string, string>>();

/**
 * `concat(base, rel)`, returning the same string object every time for the same pair. Checks build
 * the same few hundred paths for every resource; shared strings keep hash lookups on them cheap.
 */
export function internConcat(base: string, rel: string): string {
  let m = internTable.get(base);
  if (m === undefined) {
    if (internTable.size > 10_000) internTable.clear();
    internTable.set(base, (m = new Map()));
  }
  let s = m.get(rel);
  if (s === undefined) {
    s = concat(base, rel);
    if (m.size < 10_000) m.set(rel, s);
  }
  return s;
}

/** Splits a path into keys and indexes. Throws on malformed input. */
export function parsePath(path: string): PathSegment[] {
  const segs: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c === 46 /* . */) {
      i++;
      continue;
    }
    if (c === 91 /* [ */) {
      if (path.charCodeAt(i + 1) === 34 /* " */) {
        // JSON string key
        let j = i + 2;
        let escaped = false;
        while (j < n) {
          const d = path.charCodeAt(j);
          if (d === 92 /* \ */) {
            escaped = true;
            j += 2;
          } else if (d === 34) break;
          else j++;
        }
        segs.push(escaped ? (JSON.parse(path.slice(i + 1, j + 1)) as string) : path.slice(i + 2, j));
        i = j + 2; // skip `"]`
      } else {
        let num = 0;
        let j = i + 1;
        for (; j < n; j++) {
          const d = path.charCodeAt(j);
          if (d === 93 /* ] */) break;
          if (d < 48 || d > 57) throw new Error(`malformed path: ${path}`);
          num = num * 10 + (d - 48);
        }
        if (j >= n) throw new Error(`malformed path: ${path}`);
        segs.push(num);
        i = j + 1;
      }
      continue;
    }
    let j = i;
    while (j < n) {
      const d = path.charCodeAt(j);
      if (d === 46 || d === 91) break;
      j++;
    }
    segs.push(path.slice(i, j));
    i = j;
  }
  return segs;
}
