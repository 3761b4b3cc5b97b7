import type { Framework, Requirement } from './types.js';

const manual = (id: string, title: string, section: string, guidance: string): Requirement => ({ id, title, section, manual: true, guidance });

/**
 * NIST SP 800-190, Application Container Security Guide (September 2017): the countermeasures of
 * section 4 (each answers the risk with the same number in section 3). regulations.md §6.
 */
export const NIST_800_190: Framework = {
  id: 'nist-800-190',
  name: 'NIST SP 800-190 Application Container Security Guide',
  version: 'September 2017',
  source: 'NIST SP 800-190 section 4 countermeasures (regulations.md §6)',
  confidence: 'C',
  mappingKey: 'nist80190',
  requirements: [
    manual('4.1.1', 'Image vulnerabilities are found and fixed', '4.1 Image', 'Scan images for known vulnerabilities in CI and in the registry, and gate deployment on the result.'),
    { id: '4.1.2', title: 'Image configuration defects are prevented', section: '4.1 Image' },
    manual('4.1.3', 'Embedded malware is detected', '4.1 Image', 'Scan images for malware as part of the build and registry pipeline.'),
    { id: '4.1.4', title: 'No clear-text secrets are embedded', section: '4.1 Image' },
    { id: '4.1.5', title: 'Only trusted images are used', section: '4.1 Image' },
    manual('4.2.1', 'Connections to registries are secure', '4.2 Registry', 'Configure nodes and build systems to pull only over TLS from authenticated registries.'),
    { id: '4.2.2', title: 'Stale images in registries are not run', section: '4.2 Registry' },
    manual('4.2.3', 'Registry authentication and authorisation are restricted', '4.2 Registry', 'Require authentication for pushes and pulls of non-public images; review who can push.'),
    { id: '4.3.1', title: 'Administrative access to the orchestrator is bounded', section: '4.3 Orchestrator' },
    { id: '4.3.2', title: 'Unauthorised access to the orchestrator is prevented', section: '4.3 Orchestrator' },
    { id: '4.3.3', title: 'Inter-container network traffic is separated', section: '4.3 Orchestrator' },
    { id: '4.3.4', title: 'Workloads of different sensitivity are not mixed', section: '4.3 Orchestrator' },
    manual('4.3.5', 'Orchestrator nodes are trusted', '4.3 Orchestrator', 'Use node identity (TLS bootstrapping, NodeRestriction) and keep an inventory of the nodes that may join.'),
    manual('4.4.1', 'Container runtime vulnerabilities are patched', '4.4 Container', 'Keep the container runtime (containerd, CRI-O, runc) patched; track its version per node.'),
    { id: '4.4.2', title: 'Network access from containers is bounded', section: '4.4 Container' },
    { id: '4.4.3', title: 'Container runtime configurations are secure', section: '4.4 Container' },
    manual('4.4.4', 'Application vulnerabilities are mitigated', '4.4 Container', 'Test applications (SAST/DAST, dependency scanning) and run them with least privilege.'),
    { id: '4.4.5', title: 'Rogue containers are prevented', section: '4.4 Container' },
    manual('4.5.1', 'The host OS attack surface is small', '4.5 Host OS', 'Use a container-optimised, minimal host OS and keep it patched.'),
    { id: '4.5.2', title: 'Shared kernel risk is reduced', section: '4.5 Host OS' },
    manual('4.5.3', 'Host OS component vulnerabilities are patched', '4.5 Host OS', 'Patch node operating systems on a schedule; track versions per node.'),
    manual('4.5.4', 'User access rights on hosts are proper', '4.5 Host OS', 'Limit interactive access to nodes; administer through the orchestrator.'),
    { id: '4.5.5', title: 'Host file system tampering is prevented', section: '4.5 Host OS' },
    manual('4.6', 'Hardware countermeasures (root of trust) are used', '4.6 Hardware', 'Use hardware roots of trust (TPM, measured boot) for nodes where the threat model requires it.'),
  ],
};
