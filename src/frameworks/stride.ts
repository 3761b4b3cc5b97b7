import type { Framework } from './types.js';

/** STRIDE threat categories (Microsoft threat modelling); every control names the threats it counters. */
export const STRIDE: Framework = {
  id: 'stride',
  name: 'STRIDE',
  version: 'threat categories',
  source: 'STRIDE threat model categories',
  confidence: 'V',
  mappingKey: 'stride',
  requirements: [
    { id: 'S', title: 'Spoofing: pretending to be another user, service or component' },
    { id: 'T', title: 'Tampering: unauthorised change of data, code or configuration' },
    { id: 'R', title: 'Repudiation: actions that cannot be traced to who did them' },
    { id: 'I', title: 'Information disclosure: data exposed to those not entitled to it' },
    { id: 'D', title: 'Denial of service: making a service unavailable' },
    { id: 'E', title: 'Elevation of privilege: gaining rights beyond those granted' },
  ],
};
