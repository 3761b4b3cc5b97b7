import type { Framework } from './types.js';

/** GDPR, Regulation (EU) 2016/679, the articles that bear on a platform (regulations.md §4). */
export const GDPR: Framework = {
  id: 'gdpr',
  name: 'GDPR',
  version: 'Regulation (EU) 2016/679',
  source: 'Regulation (EU) 2016/679, ELI http://data.europa.eu/eli/reg/2016/679/oj (regulations.md §4)',
  confidence: 'R',
  mappingKey: 'gdpr',
  requirements: [
    { id: 'Art. 5(1)(f)', title: 'Integrity and confidentiality of personal data' },
    { id: 'Art. 25', title: 'Data protection by design and by default', manual: true, guidance: 'Record the design decisions that limit processing of personal data (separate namespaces per data class, encryption and least privilege by default) in the DPIA or design documentation; the data-class labels and scan results support it.' },
    { id: 'Art. 30', title: 'Records of processing activities', manual: true, guidance: 'Keep the register of processing; label namespaces and workloads with their data class so the register can point at them.' },
    { id: 'Art. 32', title: 'Security of processing' },
    { id: 'Art. 33', title: 'Breach notification to the supervisory authority within 72 hours', manual: true, guidance: 'Have a breach procedure that notifies within 72 hours of awareness; audit logs support the investigation.' },
    { id: 'Art. 34', title: 'Communication of a high-risk breach to data subjects', manual: true, guidance: 'Part of the breach procedure.' },
    { id: 'Art. 35', title: 'Data protection impact assessment', manual: true, guidance: 'Run a DPIA before high-risk processing; keep it with the platform documentation.' },
    { id: 'Art. 44', title: 'Transfers to third countries only under Chapter V' },
  ],
};
