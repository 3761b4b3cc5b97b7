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

/** Splits a path into keys and indexes. Throws on malformed input. */
export function parsePath(path: string): PathSegment[] {
  const segs: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  while (i < n) {
    const c = path[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      if (path[i + 1] === '"') {
        // JSON string key
        let j = i + 2;
        while (j < n) {
          if (path[j] === '\\') j += 2;
          else if (path[j] === '"') break;
          else j++;
        }
        segs.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        i = j + 2; // skip `"]`
      } else {
        const j = path.indexOf(']', i);
        if (j < 0) throw new Error(`malformed path: ${path}`);
        segs.push(Number(path.slice(i + 1, j)));
        i = j + 1;
      }
      continue;
    }
    let j = i;
    while (j < n && path[j] !== '.' && path[j] !== '[') j++;
    segs.push(path.slice(i, j));
    i = j;
  }
  return segs;
}
