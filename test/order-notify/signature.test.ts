import { signatureSuite } from '../support/license-signature-suite.js';

signatureSuite('order-notify', () => ({ activity: 'orderNotify', orderId: 'CS2211181819SIGN1', orderLineId: 'CS2211181819SIGN1-000001', testFlag: '1' }));
