import type { Framework } from './types.js';

/**
 * EU Cyber Resilience Act, Regulation (EU) 2024/2847, Annex I — essential cybersecurity
 * requirements (Part I, OJ numbering (1), (2)(a)–(m)) and vulnerability handling (Part II).
 * regulations.md §1.4–1.5.
 */
export const CRA: Framework = {
  id: 'eu-cra',
  name: 'EU Cyber Resilience Act, Annex I',
  version: 'Regulation (EU) 2024/2847',
  source: 'Regulation (EU) 2024/2847 Annex I, OJ numbering (regulations.md §1.4, §1.5)',
  confidence: 'C',
  mappingKey: 'cra',
  requirements: [
    { id: 'I.1', title: 'Designed, developed and produced for a risk-appropriate level of cybersecurity', section: 'Part I — essential requirements', manual: true, guidance: 'Keep the cybersecurity risk assessment of the product (Art. 13(2)) and show how its results shaped the design; scan reports are an input to it, not a substitute.' },
    { id: 'I.2(a)', title: 'No known exploitable vulnerabilities when placed on the market', section: 'Part I — essential requirements', manual: true, guidance: 'Match the product SBOM against vulnerability data before each release and keep the report with the release; configuration scanning does not find vulnerable package versions.' },
    { id: 'I.2(b)', title: 'Secure-by-default configuration, with reset to the original state', section: 'Part I — essential requirements' },
    { id: 'I.2(c)', title: 'Vulnerabilities can be fixed by security updates, automatic by default', section: 'Part I — essential requirements', manual: true, guidance: 'Document how the platform delivers security updates to its components and whether they apply automatically.' },
    { id: 'I.2(d)', title: 'Protection from unauthorised access; possible unauthorised access reported', section: 'Part I — essential requirements' },
    { id: 'I.2(e)', title: 'Confidentiality of stored, transmitted and processed data (encryption)', section: 'Part I — essential requirements' },
    { id: 'I.2(f)', title: 'Integrity of data, commands, programs and configuration; corruption reported', section: 'Part I — essential requirements' },
    { id: 'I.2(g)', title: 'Data minimisation', section: 'Part I — essential requirements', manual: true, guidance: 'Document which data each component processes and why it is necessary.' },
    { id: 'I.2(h)', title: 'Availability of essential functions, including resilience against denial of service', section: 'Part I — essential requirements' },
    { id: 'I.2(i)', title: 'Minimal negative impact on the availability of other devices and networks', section: 'Part I — essential requirements' },
    { id: 'I.2(j)', title: 'Limited attack surfaces, including external interfaces', section: 'Part I — essential requirements' },
    { id: 'I.2(k)', title: 'Exploitation mitigation mechanisms reduce the impact of incidents', section: 'Part I — essential requirements' },
    { id: 'I.2(l)', title: 'Relevant internal activity is recorded and monitored', section: 'Part I — essential requirements' },
    { id: 'I.2(m)', title: 'Users can securely erase all data and settings', section: 'Part I — essential requirements', manual: true, guidance: 'Document how platform data (etcd, volumes, backups) is erased on decommissioning.' },
    { id: 'II.1', title: 'Vulnerabilities and components identified and documented, with a machine-readable SBOM', section: 'Part II — vulnerability handling', manual: true, guidance: 'Keep an SBOM for the product covering at least top-level dependencies (`kubecomply sbom`).' },
    { id: 'II.2', title: 'Vulnerabilities remediated without delay through security updates', section: 'Part II — vulnerability handling', manual: true, guidance: 'Track vulnerability cases and fix releases.' },
    { id: 'II.3', title: 'Effective and regular security tests and reviews', section: 'Part II — vulnerability handling', manual: true, guidance: 'Keep scheduled scan reports and test records.' },
    { id: 'II.4', title: 'Fixed vulnerabilities publicly disclosed once an update is available', section: 'Part II — vulnerability handling', manual: true, guidance: 'Publish security advisories for fixed vulnerabilities.' },
    { id: 'II.5', title: 'A coordinated vulnerability disclosure policy is in place and enforced', section: 'Part II — vulnerability handling', manual: true, guidance: 'Publish and follow a CVD policy.' },
    { id: 'II.6', title: 'Vulnerability information sharing is facilitated, with a contact address', section: 'Part II — vulnerability handling', manual: true, guidance: 'Publish a security contact (e.g. security.txt).' },
    { id: 'II.7', title: 'Updates are distributed securely', section: 'Part II — vulnerability handling', manual: true, guidance: 'Sign releases and images; verify signatures at install and admission.' },
    { id: 'II.8', title: 'Security updates disseminated without delay, free of charge, with advisories', section: 'Part II — vulnerability handling', manual: true, guidance: 'Document the update and advisory process.' },
  ],
};
