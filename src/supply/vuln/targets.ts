/** Which SBOM components the matcher looks up, and which it cannot. */
import { allComponents, property, type Sbom } from '../sbom/model.js';
import type { MatchTarget } from './types.js';

export interface UnsupportedComponent {
  name: string;
  version?: string;
  purl?: string;
  reason: string;
}

/** The components of an SBOM as match targets; those without a purl are reported as unsupported. */
export function matchTargets(sbom: Pick<Sbom, 'components'>): { targets: MatchTarget[]; unsupported: UnsupportedComponent[] } {
  const targets: MatchTarget[] = [];
  const unsupported: UnsupportedComponent[] = [];
  for (const c of allComponents(sbom)) {
    if (c.type === 'container' && c.purl?.startsWith('pkg:oci/')) continue; // an image is not a package
    if (c.ref.startsWith('layer:')) continue; // the merge's per-layer parents
    if (property(c, 'kubecomply:k8s:kind')) continue; // a workload of the inventory SBOM: its images are listed
    if (!c.purl) {
      if (c.type === 'library' || c.type === 'framework' || c.type === 'application') unsupported.push({ name: c.name, ...(c.version ? { version: c.version } : {}), reason: 'no purl' });
      continue;
    }
    if (!c.version && !/@/.test(c.purl)) {
      unsupported.push({ name: c.name, purl: c.purl, reason: 'no version' });
      continue;
    }
    const layer = property(c, 'kubecomply:layer');
    const imageLayer = property(c, 'kubecomply:image:layer');
    targets.push({
      ref: c.ref,
      name: c.group ? `${c.group}/${c.name}` : c.name,
      version: c.version ?? c.purl.slice(c.purl.lastIndexOf('@') + 1).split(/[?#]/)[0]!,
      purl: c.purl,
      ...(layer ? { layer } : {}),
      ...(imageLayer ? { imageLayer } : {}),
    });
  }
  return { targets, unsupported };
}

