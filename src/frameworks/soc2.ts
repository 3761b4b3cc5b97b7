import type { Framework } from './types.js';

/** SOC 2 — AICPA Trust Services Criteria (2017), common criteria (regulations.md §5). */
export const SOC2: Framework = {
  id: 'soc2',
  name: 'SOC 2 Trust Services Criteria (common criteria)',
  version: 'TSP 100 (2017 TSC, points of focus 2022)',
  source: 'AICPA Trust Services Criteria, common criteria CC6–CC8 (regulations.md §5)',
  confidence: 'C',
  mappingKey: 'soc2',
  requirements: [
    { id: 'CC6.1', title: 'Logical access security protects information assets' },
    { id: 'CC6.2', title: 'Users are registered and authorised before credentials are issued', manual: true, guidance: 'Provision users through the identity provider with approval; keep joiner/leaver records.' },
    { id: 'CC6.3', title: 'Access is granted by role, least privilege and segregation of duties' },
    { id: 'CC6.6', title: 'Logical access measures protect against threats from outside the system boundary' },
    { id: 'CC6.7', title: 'Transmission, movement and removal of information are restricted and protected' },
    { id: 'CC6.8', title: 'Unauthorised or malicious software is prevented or detected' },
    { id: 'CC7.1', title: 'Configuration changes and new vulnerabilities are detected' },
    { id: 'CC7.2', title: 'Components are monitored for anomalies' },
    { id: 'CC7.3', title: 'Security events are evaluated to decide whether they are incidents', manual: true, guidance: 'Triage alerts and audit-log detections under a defined procedure; keep the records.' },
    { id: 'CC7.4', title: 'Incidents are responded to through a defined programme', manual: true, guidance: 'Maintain and exercise the incident response programme.' },
    { id: 'CC8.1', title: 'Changes are authorised, designed, tested, approved and implemented', manual: true, guidance: 'Changes go through review (GitOps pull requests, CI gates such as `kubecomply scan`); keep the approvals.' },
  ],
};
