/**
 * PCI DSS segmentation of the cardholder data environment: namespaces whose data class is a
 * cardholder class must deny by default in both directions and admit ingress only from named sources.
 */
import { asObject, isObject, quote } from '../../core/podspec.js';
import { settingsOf } from '../../config/defaults.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import { defaultDenyPolicy, namespaceObjectName, networkModel, openPeers, policiesIn, type NetworkModel, type PolicyInfo } from './model.js';

/**
 * True when some ingress rule of the policy admits only explicitly named sources: its `from` is a
 * non-empty list and none of its peers (nor its ipBlocks together) is "everything" (openPeers).
 */
function hasExplicitSources(p: PolicyInfo): boolean {
  if (p.invalid !== undefined || !p.types.ingress) return false;
  for (let i = 0; i < p.ingressRules.length; i++) {
    const rule = p.ingressRules[i];
    if (!isObject(rule) || !Array.isArray(rule.from) || rule.from.length === 0) continue;
    if (openPeers(rule, `spec.ingress[${i}]`, 'ingress').length === 0) return true;
  }
  return false;
}

function explicitSourcePolicy(m: NetworkModel, ns: string): PolicyInfo | undefined {
  return policiesIn(m, ns).find(hasExplicitSources);
}

/** The namespace's data class when it is a cardholder class. */
function cardholderClass(target: Resource, ctx: CheckContext): string | undefined {
  if (namespaceObjectName(target) === undefined) return undefined;
  const dp = settingsOf(ctx.config).dataProtection;
  const value = asObject(target.metadata.labels)?.[dp.dataClassLabel];
  if (value === undefined || value === null) return undefined;
  const cls = String(value);
  return dp.cardholderClasses.includes(cls) ? cls : undefined;
}

export const cardholderSegmentation: Control = {
  id: 'cardholder-namespace-segmentation',
  title: 'Cardholder data namespace not segmented',
  severity: 'high',
  family: 'network',
  appliesTo: ['Namespace'],
  scope: 'inventory',
  description:
    'A Namespace whose data class label (settings.dataProtection.dataClassLabel, default `data-class`) names a cardholder class (settings.dataProtection.cardholderClasses, default `cardholder`) must have: ' +
    'a default-deny ingress policy and a default-deny egress policy (as namespace-default-deny-ingress/-egress define them), and at least one valid policy with an ingress rule whose `from` lists explicit sources — ' +
    'a non-empty list with no empty peer, no every-namespace selector and no ipBlock covering the internet. Every namespace so labelled is checked, system namespaces included.',
  rationale:
    'PCI DSS scopes every system that can connect to the cardholder data environment into the assessment. Default deny in both directions plus explicit allow rules is what makes the namespace a segmented CDE: ' +
    'only the named flows reach it, and it reaches only what its allow rules name.',
  remediation:
    'Give the namespace default-deny policies in both directions and allow the needed flows by name:\n```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-all\n  namespace: payments\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-checkout\n  namespace: payments\nspec:\n  podSelector:\n    matchLabels:\n      app: payment-api\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: checkout\n      podSelector:\n        matchLabels:\n          app: checkout\n    ports:\n    - { protocol: TCP, port: 8443 }\n```',
  references: [
    'https://kubernetes.io/docs/concepts/services-networking/network-policies/',
    'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies',
  ],
  mappings: {
    nsa: ['N3'],
    nist80190: ['4.3.4'],
    stride: ['I'],
    pci: ['1.3.1', '1.3.2', '1.4.1', '1.4.4', '2.2.3'],
  },
  // Only namespaces labelled as holding cardholder data are judged.
  inScope: (target, ctx) => cardholderClass(target, ctx) !== undefined,
  check(target: Resource, ctx: CheckContext): Violation[] {
    const ns = namespaceObjectName(target);
    if (ns === undefined) return NONE;
    const dp = settingsOf(ctx.config).dataProtection;
    const cls = cardholderClass(target, ctx);
    if (cls === undefined) return NONE;
    const m = networkModel(ctx);
    const path = `metadata.labels[${JSON.stringify(dp.dataClassLabel)}]`;
    const who = `cardholder namespace ${quote(ns)} (${dp.dataClassLabel}=${cls})`;
    let out = NONE;
    if (!defaultDenyPolicy(m, ns, 'ingress')) out = push(out, path, `${who} has no default-deny ingress NetworkPolicy`);
    if (!defaultDenyPolicy(m, ns, 'egress')) out = push(out, path, `${who} has no default-deny egress NetworkPolicy (policyTypes must list Egress)`);
    if (!explicitSourcePolicy(m, ns)) out = push(out, path, `${who} has no NetworkPolicy with an ingress rule from explicitly named sources`);
    return out;
  },
};
