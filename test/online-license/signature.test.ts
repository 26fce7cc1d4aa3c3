import { signatureSuite } from '../support/license-signature-suite.js';

signatureSuite('online-license', () => ({
  activity: 'newInstance',
  orderId: 'CS2211181819SIGN2',
  orderLineId: 'CS2211181819SIGN2-000001',
  businessId: 'sig-online-1',
  testFlag: '1',
}));
