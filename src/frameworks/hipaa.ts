import type { Framework, Requirement } from './types.js';

const r = (id: string, title: string, section: string, extra: Partial<Requirement> = {}): Requirement => ({ id, title, section, ...extra });
const m = (id: string, title: string, section: string, guidance: string, extra: Partial<Requirement> = {}): Requirement => ({ id, title, section, manual: true, guidance, ...extra });

const ADMIN = 'An administrative safeguard: keep the policy, procedure and records as evidence.';

/**
 * HIPAA Security Rule, 45 CFR Part 164 Subpart C (regulations.md §3): technical safeguards (164.312)
 * verified against the CFR text; administrative and physical safeguards corroborated.
 */
export const HIPAA: Framework = {
  id: 'hipaa',
  name: 'HIPAA Security Rule',
  version: '45 CFR Part 164 Subpart C',
  source: '45 CFR 164.308, 164.310, 164.312, 164.316 (regulations.md §3)',
  confidence: 'C',
  mappingKey: 'hipaa',
  requirements: [
    m('164.308(a)(1)(ii)(A)', 'Risk analysis', 'Administrative safeguards', ADMIN),
    m('164.308(a)(1)(ii)(B)', 'Risk management', 'Administrative safeguards', ADMIN),
    r('164.308(a)(1)(ii)(D)', 'Information system activity review', 'Administrative safeguards'),
    m('164.308(a)(3)(ii)(A)', 'Workforce authorization and supervision', 'Administrative safeguards', ADMIN),
    m('164.308(a)(3)(ii)(B)', 'Workforce clearance procedure', 'Administrative safeguards', ADMIN),
    m('164.308(a)(3)(ii)(C)', 'Termination procedures', 'Administrative safeguards', ADMIN),
    r('164.308(a)(4)(ii)(B)', 'Access authorization', 'Administrative safeguards'),
    r('164.308(a)(4)(ii)(C)', 'Access establishment and modification', 'Administrative safeguards'),
    r('164.308(a)(5)(ii)(B)', 'Protection from malicious software', 'Administrative safeguards'),
    m('164.308(a)(5)(ii)(C)', 'Log-in monitoring', 'Administrative safeguards', 'Monitor authentication failures (API server audit log, identity provider).'),
    m('164.308(a)(5)(ii)(D)', 'Password management', 'Administrative safeguards', 'Enforced in the identity provider.'),
    m('164.308(a)(6)(ii)', 'Security incident response and reporting', 'Administrative safeguards', ADMIN),
    m('164.308(a)(7)(ii)(A)', 'Data backup plan', 'Administrative safeguards', 'Back up etcd and persistent volumes; test restores; keep records.'),
    m('164.308(a)(7)(ii)(B)', 'Disaster recovery plan', 'Administrative safeguards', ADMIN),
    r('164.308(a)(7)(ii)(C)', 'Emergency mode operation plan', 'Administrative safeguards'),
    m('164.308(a)(8)', 'Periodic technical and non-technical evaluation', 'Administrative safeguards', 'Run and keep periodic evaluations, e.g. scheduled kubecomply reports.'),
    m('164.310(a)(1)', 'Facility access controls', 'Physical safeguards', 'Data centre or cloud provider controls; keep their attestations.'),
    m('164.310(a)(2)(iii)', 'Access control and validation procedures', 'Physical safeguards', 'Data centre or cloud provider controls.'),
    m('164.310(d)(2)(i)', 'Media disposal', 'Physical safeguards', 'Document how volumes and disks holding ePHI are wiped or destroyed.'),
    m('164.310(d)(2)(ii)', 'Media re-use', 'Physical safeguards', 'Document how storage is cleared before re-use.'),
    r('164.312(a)(1)', 'Access control', 'Technical safeguards', { confidence: 'V' }),
    r('164.312(a)(2)(i)', 'Unique user identification', 'Technical safeguards', { confidence: 'V' }),
    m('164.312(a)(2)(ii)', 'Emergency access procedure', 'Technical safeguards', 'Document break-glass access to the cluster and how its use is reviewed.', { confidence: 'V' }),
    m('164.312(a)(2)(iii)', 'Automatic logoff', 'Technical safeguards', 'Set short token lifetimes in the identity provider.', { confidence: 'V' }),
    r('164.312(a)(2)(iv)', 'Encryption and decryption of ePHI', 'Technical safeguards', { confidence: 'V' }),
    r('164.312(b)', 'Audit controls', 'Technical safeguards', { confidence: 'V' }),
    m('164.312(c)(1)', 'Integrity of ePHI', 'Technical safeguards', 'ePHI lives in the applications and their data stores: document how they protect it from improper alteration or destruction (write access limited by role, backups, database integrity features).', { confidence: 'V' }),
    m('164.312(c)(2)', 'Mechanism to authenticate ePHI', 'Technical safeguards', 'An addressable specification met in the applications: checksums, signatures or database integrity checks that detect altered ePHI; document the mechanism or why it is not reasonable.', { confidence: 'V' }),
    r('164.312(d)', 'Person or entity authentication', 'Technical safeguards', { confidence: 'V' }),
    r('164.312(e)(1)', 'Transmission security', 'Technical safeguards', { confidence: 'V' }),
    r('164.312(e)(2)(i)', 'Integrity controls in transit', 'Technical safeguards', { confidence: 'V' }),
    r('164.312(e)(2)(ii)', 'Encryption in transit', 'Technical safeguards', { confidence: 'V' }),
    m('164.316(b)(2)(i)', 'Policies and documentation retained six years', 'Policies and documentation', 'Keep policies, reports and evidence packs for six years.', { confidence: 'R' }),
  ],
};
