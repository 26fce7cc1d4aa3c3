import { signatureSuite } from '../support/license-signature-suite.js';

// Releasing a code kgkit never saw answers 000000 and changes nothing: a valid call that needs no set-up.
signatureSuite('license-code', () => ({
  activity: 'releaseLicenseCode',
  license: 'PLSIGNATURE0001',
  orderId: 'CS2306011200C7KQP',
  orderLineId: 'CS2306011200C7KQP-000001',
  testFlag: '1',
}));
