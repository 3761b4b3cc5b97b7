/**
 * Ingress hosts served without TLS.
 *
 * Host matching follows the Ingress API: a wildcard host `*.example.com` matches exactly one DNS label
 * (`a.example.com`, not `example.com` nor `a.b.example.com`); host names are compared
 * case-insensitively. A `spec.tls` entry without hosts means "the controller's default (wildcard)
 * host" per the API reference, so it covers rules without a host (which match every host); it is not
 * taken to cover named hosts.
 */
import { asArray, asObject, isObject, quote } from '../../core/podspec.js';
import type { Control, Resource, Violation } from '../../core/types.js';
import { NONE, push, shortList } from '../helpers.js';

/** True when a TLS host (possibly a wildcard) covers a rule host. Both lower-case. */
export function tlsHostCovers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (!tlsHost.startsWith('*.') || host.startsWith('*.')) return false;
  const suffix = tlsHost.slice(1); // ".example.com"
  if (!host.endsWith(suffix) || host.length <= suffix.length) return false;
  return !host.slice(0, host.length - suffix.length).includes('.');
}

export const ingressWithoutTls: Control = {
  id: 'ingress-without-tls',
  title: 'Ingress serves hosts without TLS',
  severity: 'medium',
  family: 'network',
  appliesTo: ['Ingress'],
  scope: 'resource',
  description:
    'Every host of an Ingress\'s rules must be covered by `spec.tls`: listed in the `hosts` of a tls entry, exactly or through a wildcard (`*.example.com` covers one label: `a.example.com`, not `example.com` or `a.b.example.com`). ' +
    'A rule without a host (all hosts) needs a tls entry without hosts (the controller\'s default certificate). An Ingress without any tls entry is reported once, at `spec.tls`.',
  rationale:
    'A host without TLS is served over plain HTTP: credentials, session cookies and personal or payment data cross the network readable and modifiable by anyone on the path.',
  remediation:
    'Add a tls entry for every host, with a certificate Secret (cert-manager can issue it):\n```yaml\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\nspec:\n  tls:\n  - hosts:\n    - shop.example.com\n    - "*.api.example.com"\n    secretName: shop-tls\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: shop\n            port:\n              number: 80\n```',
  references: [
    'https://kubernetes.io/docs/concepts/services-networking/ingress/#tls',
    'https://kubernetes.io/docs/concepts/services-networking/ingress/#hostname-wildcards',
  ],
  mappings: {
    stride: ['I', 'T'],
    pci: ['2.2.5', '4.2.1'],
    hipaa: ['164.312(e)(1)', '164.312(e)(2)(i)', '164.312(e)(2)(ii)'],
    gdpr: ['Art. 5(1)(f)', 'Art. 32'],
    soc2: ['CC6.7'],
    cra: ['I.2(e)'],
  },
  check(target: Resource): Violation[] {
    const spec = asObject(target.object.spec);
    if (!spec) return NONE;
    const rules = asArray(spec.rules);
    const tls = asArray(spec.tls).filter(isObject);
    if (tls.length === 0) {
      const hosts = rules.map((r) => asObject(r)?.host).filter((h): h is string => typeof h === 'string' && h !== '');
      const which = hosts.length > 0 ? `${shortList(hosts.map(quote))} ${hosts.length === 1 ? 'is' : 'are'}` : 'everything is';
      return [{ path: 'spec.tls', message: `Ingress has no TLS: ${which} served over plain HTTP` }];
    }
    const tlsHosts: string[] = [];
    let defaultHost = false;
    for (const entry of tls) {
      const hosts = asArray(entry.hosts).filter((h): h is string => typeof h === 'string' && h !== '');
      if (hosts.length === 0) defaultHost = true;
      for (const h of hosts) tlsHosts.push(h.toLowerCase());
    }
    let out = NONE;
    for (let i = 0; i < rules.length; i++) {
      const rule = asObject(rules[i]);
      if (!rule) continue;
      const host = rule.host;
      if (typeof host === 'string' && host !== '') {
        const h = host.toLowerCase();
        if (!tlsHosts.some((t) => tlsHostCovers(t, h))) out = push(out, `spec.rules[${i}].host`, `host ${quote(host)} is not covered by spec.tls: it is served over plain HTTP`);
      } else if (!defaultHost) {
        out = push(out, `spec.rules[${i}]`, `rule ${i} has no host (it matches every host) and no spec.tls entry without hosts covers it`);
      }
    }
    return out;
  },
};
