/**
 * CSAF 2.0 `csaf_security_advisory` draft for a case whose fix has been released: the product version that bundles
 * the affected component is known_affected (with a vendor_fix remediation pointing at the release), the fixed
 * version is fixed.
 *
 * Why: Annex I Part II(4) and (8) — after a fix is available, publicly disclose fixed vulnerabilities (description,
 * affected products, impact, severity, remediation) and disseminate updates with advisory messages
 * (regulations.md §1.5). The document is a draft (tracking.status "draft") for a person to review and publish.
 */
import { type Case } from './cases.js';
import type { Product } from './product.js';
import { csafDocument, csafIds, csafProductTree, type CsafOptions } from './vex.js';

export interface AdvisoryOptions extends CsafOptions {
  /** URL of the release notes / download of the fixed version. */
  fixUrl?: string;
}

function cvssV3(c: Case): Record<string, unknown> | undefined {
  const cv = c.vulnerability.cvss;
  if (!cv || (cv.version !== '3.0' && cv.version !== '3.1')) return undefined;
  if (!cv.vector.startsWith(`CVSS:${cv.version}/`)) return undefined;
  const sev = cv.score === 0 ? 'NONE' : cv.score < 4 ? 'LOW' : cv.score < 7 ? 'MEDIUM' : cv.score < 9 ? 'HIGH' : 'CRITICAL';
  return { version: cv.version, vectorString: cv.vector, baseScore: cv.score, baseSeverity: sev };
}

/** Draft the advisory. Every case must be fix_released (or closed after it) and carry its fixVersion. */
export function draftSecurityAdvisory(cases: readonly Case[], product: Product, opts: AdvisoryOptions): Record<string, unknown> {
  if (cases.length === 0) throw new Error('advisory: at least one case is required');
  for (const c of cases) {
    const released = c.state === 'fix_released' || (c.state === 'closed' && c.events.some((e) => e.type === 'transition' && e.to === 'fix_released'));
    if (!released) throw new Error(`advisory: case ${c.id} is ${c.state}; an advisory is drafted once the fix is released`);
    if (!c.fixVersion) throw new Error(`advisory: case ${c.id} has no fixVersion`);
  }
  const pt = csafProductTree(cases, product, (c) => [
    [product.version, false],
    [c.fixVersion!, true],
  ]);
  const vulnerabilities = cases.map((c) => {
    const affected = pt.pid(c, product.version);
    const fixed = pt.pid(c, c.fixVersion!, true);
    const released = c.events.find((e) => e.type === 'transition' && e.to === 'fix_released')?.at;
    const v: Record<string, unknown> = {
      ...csafIds(c),
      notes: [{ category: 'description', title: 'Description', text: c.vulnerability.summary ?? `${c.vulnerability.id} in ${c.target.component}` }],
      product_status: { known_affected: [affected], fixed: [fixed] },
      remediations: [
        {
          category: 'vendor_fix',
          details: `Update ${product.name} to ${c.fixVersion}${c.vulnerability.fixedVersions.length ? ` (ships ${c.target.component} ${c.vulnerability.fixedVersions[0]} or later)` : ''}.`,
          product_ids: [affected],
          ...(released ? { date: released } : {}),
          ...(opts.fixUrl ? { url: opts.fixUrl } : {}),
        },
      ],
    };
    const score = cvssV3(c);
    if (score) v.scores = [{ cvss_v3: score, products: [affected] }];
    if (c.exploitedAt) v.threats = [{ category: 'exploit_status', details: 'Actively exploited (reported under Art. 14 CRA).', product_ids: [affected], date: c.exploitedAt }];
    const refs = c.vulnerability.references.filter((r) => /^https?:\/\//.test(r));
    if (refs.length) v.references = refs.map((url) => ({ category: 'external', summary: url, url }));
    return v;
  });
  const ids = cases.map((c) => c.vulnerability.id).join(', ');
  const doc = csafDocument('csaf_security_advisory', `${product.name}: fix for ${ids}`, product, { ...opts, status: opts.status ?? 'draft' }, `${product.name} ${[...new Set(cases.map((c) => c.fixVersion))].join(', ')} fixes ${ids}.`);
  return { document: doc, product_tree: pt.tree(), vulnerabilities };
}
