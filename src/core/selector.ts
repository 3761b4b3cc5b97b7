/**
 * Kubernetes label selectors (metav1.LabelSelector): matchLabels AND every matchExpression must hold.
 * An empty selector ({}) selects everything; `null`/absent selects nothing unless the caller says
 * otherwise (NetworkPolicy treats an absent podSelector like {}; a Deployment's is required).
 */
import { isObject } from './inventory.js';

export type Labels = Readonly<Record<string, unknown>>;

/** True when `selector` (a LabelSelector object) selects objects with `labels`. Invalid selectors select nothing. */
export function selectorMatches(selector: unknown, labels: Labels | undefined): boolean {
  if (!isObject(selector)) return false;
  const l = labels ?? {};
  const ml = selector.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isObject(ml)) return false;
    for (const [k, v] of Object.entries(ml)) if (!Object.prototype.hasOwnProperty.call(l, k) || String(l[k]) !== String(v)) return false;
  }
  const me = selector.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) return false;
    for (const e of me) {
      if (!isObject(e) || typeof e.key !== 'string') return false;
      const has = Object.prototype.hasOwnProperty.call(l, e.key);
      const value = has ? String(l[e.key]) : undefined;
      switch (e.operator) {
        case 'In':
          if (!has || !listed(e.values, value!)) return false;
          break;
        case 'NotIn':
          if (has && listed(e.values, value!)) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

/** True when `values` (a requirement's list, any entry compared as a string) holds `value`. */
function listed(values: unknown, value: string): boolean {
  return Array.isArray(values) && values.some((v) => String(v) === value);
}

/** True for `{}` (or a selector with no requirements): it selects everything. */
export function selectsAll(selector: unknown): boolean {
  if (!isObject(selector)) return false;
  const ml = selector.matchLabels;
  const me = selector.matchExpressions;
  return (ml === undefined || ml === null || (isObject(ml) && Object.keys(ml).length === 0)) && (me === undefined || me === null || (Array.isArray(me) && me.length === 0));
}
