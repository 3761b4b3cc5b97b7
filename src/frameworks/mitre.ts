import type { Framework, Requirement } from './types.js';

const AUDIT = 'Detected from activity, not from configuration: review Kubernetes audit logs and runtime alerts for this technique.';
const t = (id: string, title: string, section: string, manual = false): Requirement =>
  manual ? { id, title, section, manual: true, guidance: AUDIT } : { id, title, section };
/** A manual technique with its own guidance. */
const r = (id: string, title: string, section: string, guidance: string): Requirement => ({ id, title, section, manual: true, guidance });
const RECOVERY =
  'Answered by recovery, not by configuration: keep etcd snapshots and volume backups outside the cluster, restore-test them, and watch the audit log for mass deletions (deletecollection, namespace deletes).';

/**
 * MITRE ATT&CK Enterprise v18.1, the 48 techniques and sub-techniques with platform "Containers"
 * (regulations.md §9.1). A technique "passes" when no finding leaves the cluster open to it;
 * techniques that configuration cannot prevent are manual (watched in audit logs).
 */
export const MITRE: Framework = {
  id: 'mitre-attack',
  name: 'MITRE ATT&CK for Containers',
  version: 'Enterprise v18.1',
  source: 'mitre/cti enterprise-attack v18.1, techniques with x_mitre_platforms containing Containers (regulations.md §9.1)',
  confidence: 'V',
  mappingKey: 'mitre',
  requirements: [
    t('T1078', 'Valid Accounts', 'Initial Access, Persistence, Privilege Escalation, Defense Evasion'),
    t('T1078.001', 'Valid Accounts: Default Accounts', 'Initial Access, Persistence, Privilege Escalation, Defense Evasion'),
    t('T1078.003', 'Valid Accounts: Local Accounts', 'Initial Access, Persistence, Privilege Escalation, Defense Evasion'),
    t('T1133', 'External Remote Services', 'Initial Access, Persistence'),
    t('T1190', 'Exploit Public-Facing Application', 'Initial Access'),
    t('T1053', 'Scheduled Task/Job', 'Execution, Persistence, Privilege Escalation', true),
    t('T1053.007', 'Scheduled Task/Job: Container Orchestration Job', 'Execution, Persistence, Privilege Escalation', true),
    t('T1059.013', 'Command and Scripting Interpreter: Container CLI/API', 'Execution', true),
    t('T1204', 'User Execution', 'Execution'),
    t('T1204.003', 'User Execution: Malicious Image', 'Execution'),
    t('T1609', 'Container Administration Command', 'Execution'),
    t('T1610', 'Deploy Container', 'Execution, Defense Evasion'),
    t('T1098', 'Account Manipulation', 'Persistence, Privilege Escalation'),
    t('T1098.006', 'Account Manipulation: Additional Container Cluster Roles', 'Persistence, Privilege Escalation'),
    t('T1136', 'Create Account', 'Persistence', true),
    t('T1136.001', 'Create Account: Local Account', 'Persistence', true),
    t('T1525', 'Implant Internal Image', 'Persistence'),
    t('T1543', 'Create or Modify System Process', 'Persistence, Privilege Escalation'),
    t('T1543.005', 'Create or Modify System Process: Container Service', 'Persistence, Privilege Escalation'),
    t('T1068', 'Exploitation for Privilege Escalation', 'Privilege Escalation'),
    t('T1611', 'Escape to Host', 'Privilege Escalation'),
    t('T1036', 'Masquerading', 'Defense Evasion', true),
    t('T1036.005', 'Masquerading: Match Legitimate Resource Name or Location', 'Defense Evasion', true),
    t('T1036.010', 'Masquerading: Masquerade Account Name', 'Defense Evasion', true),
    t('T1070', 'Indicator Removal', 'Defense Evasion'),
    t('T1550', 'Use Alternate Authentication Material', 'Defense Evasion, Lateral Movement'),
    t('T1550.001', 'Use Alternate Authentication Material: Application Access Token', 'Defense Evasion, Lateral Movement'),
    t('T1562', 'Impair Defenses', 'Defense Evasion'),
    t('T1562.001', 'Impair Defenses: Disable or Modify Tools', 'Defense Evasion'),
    t('T1612', 'Build Image on Host', 'Defense Evasion'),
    t('T1110', 'Brute Force', 'Credential Access', true),
    t('T1110.001', 'Brute Force: Password Guessing', 'Credential Access', true),
    t('T1110.003', 'Brute Force: Password Spraying', 'Credential Access', true),
    t('T1110.004', 'Brute Force: Credential Stuffing', 'Credential Access', true),
    t('T1528', 'Steal Application Access Token', 'Credential Access'),
    t('T1552', 'Unsecured Credentials', 'Credential Access'),
    t('T1552.001', 'Unsecured Credentials: Credentials In Files', 'Credential Access'),
    t('T1552.007', 'Unsecured Credentials: Container API', 'Credential Access'),
    t('T1046', 'Network Service Discovery', 'Discovery'),
    t('T1069', 'Permission Groups Discovery', 'Discovery', true),
    t('T1613', 'Container and Resource Discovery', 'Discovery'),
    r('T1485', 'Data Destruction', 'Impact', RECOVERY),
    r('T1490', 'Inhibit System Recovery', 'Impact', RECOVERY),
    t('T1496', 'Resource Hijacking', 'Impact'),
    t('T1496.001', 'Resource Hijacking: Compute Hijacking', 'Impact'),
    t('T1496.002', 'Resource Hijacking: Bandwidth Hijacking', 'Impact'),
    r('T1498', 'Network Denial of Service', 'Impact', 'Flooding the network is stopped before the cluster: document the DDoS protection of the load balancers and ingress (provider protection, rate limits) and how it is monitored.'),
    t('T1499', 'Endpoint Denial of Service', 'Impact'),
  ],
};
