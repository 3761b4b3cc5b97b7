/**
 * CIS 5.5.1, image provenance: admission must check where images come from. Decided on the API
 * server, from two kinds of evidence:
 *
 *  1. kube-apiserver enables the ImagePolicyWebhook admission plugin (with its
 *     --admission-control-config-file, without which the plugin cannot start), unless the
 *     AdmissionConfiguration that flag names is in the input and sets the plugin's
 *     `defaultAllow: true`, which admits every image whenever the backend is unavailable (fails
 *     open, like a webhook with failurePolicy: Ignore); or
 *  2. the input holds an image-verification admission controller that enforces:
 *     - Sigstore policy-controller: a Validating/MutatingWebhookConfiguration whose webhook name
 *       ends in sigstore.dev (policy.sigstore.dev by default);
 *     - Connaisseur: a webhook configuration or webhook named connaisseur…;
 *     - Ratify with Gatekeeper: a Gatekeeper external data Provider named …ratify… together with
 *       Gatekeeper's ValidatingWebhookConfiguration;
 *     - Kyverno: a ClusterPolicy/Policy with verifyImages rules in Enforce mode (Kyverno creates its
 *       webhooks at run time, so the policy is the evidence; Audit — Kyverno's default — only
 *       reports), or an ImageValidatingPolicy whose validationActions include Deny.
 *     A webhook with failurePolicy: Ignore fails open (anyone who can make it unavailable bypasses
 *     it) and does not count. Generic policy engines without an image-verification policy do not
 *     count either.
 */
import { asArray, asObject, asString, quote } from '../../core/podspec.js';
import type { CheckContext, Control } from '../../core/types.js';
import { NONE } from '../helpers.js';
import { admissionPlugin } from './apiserver.js';
import { componentControl, configsFor, DOCS, stringValue, subject } from './common.js';

interface Verifiers {
  /** Enforcing verifiers found, for messages. */
  enforcing: string[];
  /** Verifiers found that do not enforce, with the reason. */
  notEnforcing: string[];
}

function lower(s: unknown): string {
  return typeof s === 'string' ? s.toLowerCase() : '';
}

function imageVerifiers(ctx: CheckContext): Verifiers {
  return ctx.inventory.memo('cluster/image-verifiers', () => {
    const v: Verifiers = { enforcing: [], notEnforcing: [] };
    let gatekeeper: { name: string; failOpen: boolean } | undefined;
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      for (const r of ctx.inventory.byKind(kind)) {
        if (!r.apiVersion.startsWith('admissionregistration.k8s.io/')) continue;
        for (const w of asArray(r.object.webhooks)) {
          const wh = asObject(w);
          if (!wh) continue;
          const name = lower(wh.name);
          const cfgName = lower(r.name);
          // admissionregistration.k8s.io/v1 defaults failurePolicy to Fail.
          const failOpen = wh.failurePolicy === 'Ignore';
          let product: string | undefined;
          if (name.endsWith('sigstore.dev') || cfgName.includes('sigstore')) product = 'Sigstore policy-controller';
          else if (name.includes('connaisseur') || cfgName.includes('connaisseur')) product = 'Connaisseur';
          else if (kind === 'ValidatingWebhookConfiguration' && (name.endsWith('gatekeeper.sh') || cfgName.includes('gatekeeper'))) {
            if (!gatekeeper || gatekeeper.failOpen) gatekeeper = { name: `${kind}/${r.name}`, failOpen };
            continue;
          }
          if (product === undefined) continue;
          const what = `${product} (${kind}/${r.name})`;
          if (failOpen) v.notEnforcing.push(`${what} with failurePolicy Ignore`);
          else v.enforcing.push(what);
          break;
        }
      }
    }
    const ratify = ctx.inventory.byKind('Provider').find((r) => r.apiVersion.startsWith('externaldata.gatekeeper.sh/') && lower(r.name).includes('ratify'));
    if (ratify) {
      if (!gatekeeper) v.notEnforcing.push(`Ratify provider ${ratify.name} without a Gatekeeper ValidatingWebhookConfiguration in the input`);
      else if (gatekeeper.failOpen) v.notEnforcing.push(`Ratify with Gatekeeper (${gatekeeper.name} has failurePolicy Ignore)`);
      else v.enforcing.push(`Ratify with Gatekeeper (${gatekeeper.name})`);
    }
    for (const kind of ['ClusterPolicy', 'Policy']) {
      for (const r of ctx.inventory.byKind(kind)) {
        if (!r.apiVersion.startsWith('kyverno.io/')) continue;
        const spec = asObject(r.object.spec);
        const rules = asArray(spec?.rules).map(asObject);
        const verify = rules.flatMap((rule) => asArray(rule?.verifyImages).map(asObject)).filter((x) => x !== undefined);
        if (verify.length === 0) continue;
        const enforce = lower(spec?.validationFailureAction) === 'enforce' || verify.some((x) => lower(x!.failureAction) === 'enforce');
        const what = `Kyverno ${kind} ${r.name} (verifyImages)`;
        if (enforce) v.enforcing.push(what);
        else v.notEnforcing.push(`${what} in Audit mode`);
      }
    }
    for (const r of ctx.inventory.byKind('ImageValidatingPolicy')) {
      if (!r.apiVersion.startsWith('policies.kyverno.io/')) continue;
      const actions = asArray(asObject(r.object.spec)?.validationActions).map(asString);
      if (actions.includes('Deny')) v.enforcing.push(`Kyverno ImageValidatingPolicy ${r.name}`);
      else v.notEnforcing.push(`Kyverno ImageValidatingPolicy ${r.name} without the Deny validation action`);
    }
    return v;
  });
}

/**
 * Whether the AdmissionConfiguration `file` names (when the input holds it) configures
 * ImagePolicyWebhook inline with `defaultAllow: true`. Both API groups kube-apiserver reads are
 * accepted (apiserver.config.k8s.io and the older apiserver.k8s.io).
 */
function imagePolicyFailsOpen(ctx: CheckContext, file: string): boolean {
  const cfgs = [...configsFor(ctx, 'AdmissionConfiguration', 'apiserver.config.k8s.io/', file), ...configsFor(ctx, 'AdmissionConfiguration', 'apiserver.k8s.io/', file)];
  for (const cfg of cfgs) {
    for (const p of asArray(cfg.object.plugins)) {
      const plugin = asObject(p);
      if (plugin?.name !== 'ImagePolicyWebhook') continue;
      if (asObject(asObject(plugin.configuration)?.imagePolicy)?.defaultAllow === true) return true;
    }
  }
  return false;
}

export const apiserverImageProvenance: Control = componentControl(
  {
    id: 'apiserver-image-provenance',
    title: 'No admission control verifies image provenance',
    severity: 'medium',
    scope: 'inventory',
    description:
      'Image provenance must be enforced at admission (CIS 5.5.1): kube-apiserver enables the ImagePolicyWebhook admission plugin with its --admission-control-config-file (not counted when that AdmissionConfiguration is in the input and sets defaultAllow: true, which fails open), or the input holds an enforcing image-verification admission controller — Sigstore policy-controller or Connaisseur webhooks (failurePolicy not Ignore), Ratify with Gatekeeper\'s webhook, or Kyverno verifyImages / ImageValidatingPolicy in Enforce/Deny mode. Reported on the API server; webhooks and policies are read from the whole input.',
    rationale:
      'Without signature or provenance checks at admission, any image that someone with create-pod rights names is run: a typosquatted or tampered image, or one built outside the pipeline, reaches the cluster unchallenged.',
    remediation:
      'Verify signatures at admission, for example with Sigstore policy-controller and a ClusterImagePolicy (label the namespaces it enforces with policy.sigstore.dev/include: "true"):\n```yaml\napiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata:\n  name: signed-by-ci\nspec:\n  images:\n  - glob: "registry.example.com/**"\n  authorities:\n  - keyless:\n      identities:\n      - issuer: https://token.actions.githubusercontent.com\n        subjectRegExp: "https://github.com/example/.*"\n```\nor enable ImagePolicyWebhook on the API server with an image review backend.',
    references: [`${DOCS.admission}#imagepolicywebhook`, 'https://docs.sigstore.dev/policy-controller/overview/', 'https://kyverno.io/docs/writing-policies/verify-images/', DOCS.cis],
    mappings: {
      cis: ['5.5.1'],
      nsa: ['P3'],
      nist80190: ['4.1.5'],
      mitre: ['T1204.003', 'T1525'],
      stride: ['T', 'S'],
      pci: ['2.2.1'],
      hipaa: ['164.308(a)(5)(ii)(B)'],
      soc2: ['CC6.8'],
      cra: ['I.2(f)'],
    },
  },
  'kube-apiserver',
  (comp, ctx) => {
    const who = subject(comp);
    const plugin = admissionPlugin(comp, 'ImagePolicyWebhook');
    let failOpen: string | undefined;
    if (plugin.enabled) {
      const cfgFile = stringValue(comp, 'admission-control-config-file');
      if (cfgFile === undefined) {
        return [{ path: plugin.path, message: `${who}: ImagePolicyWebhook is enabled but --admission-control-config-file is not set: the plugin has no backend configuration and kube-apiserver refuses to start` }];
      }
      if (!imagePolicyFailsOpen(ctx, cfgFile)) return NONE;
      failOpen = `ImagePolicyWebhook with defaultAllow: true in ${quote(cfgFile)}, which admits every image while its backend is unavailable`;
    }
    const v = imageVerifiers(ctx);
    if (v.enforcing.length > 0) return NONE;
    const notEnforcing = failOpen === undefined ? v.notEnforcing : [failOpen, ...v.notEnforcing];
    const found = notEnforcing.length > 0 ? `; found but not enforcing: ${notEnforcing.slice(0, 3).join('; ')}` : '';
    const state = failOpen === undefined ? 'ImagePolicyWebhook is not enabled' : 'ImagePolicyWebhook fails open';
    return [{ path: plugin.path, message: `${who}: ${state} and the input holds no enforcing image-verification admission controller${found}` }];
  },
);
