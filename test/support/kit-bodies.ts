import { oaepCase } from './kit.js';

// Request bodies of the Kit syncs, shaped like the documented examples (openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page). V1 bodies get
// their timeStamp from the test server when sent; V2 bodies carry one for the contract.

export const TENANT = '68cbc86abc2018ab880d92f36422fa0e';
export const INSTANCE = 'huaiweitest123456';
export const APP = 'app-0001';
export const STAMP = '20220413093539534';

/** Java-made clientSecret ciphertexts (test/fixtures/crypto/KitFixtures.java) and their plaintexts. */
export const SECRET_SHA256 = oaepCase('OAEPWithSHA-256AndMGF1Padding, default parameters');
export const SECRET_SHA256_MGF256 = oaepCase('OAEPWithSHA-256AndMGF1Padding, MGF1 SHA-256 set explicitly');
export const SECRET_SHA1 = oaepCase('OAEPWithSHA-1AndMGF1Padding');

export const tenant = (over: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  orderId: 'CS1906666666ABCDE',
  tenantId: TENANT,
  tenantCode: 'huawei',
  name: 'huaiweitest',
  domainName: 'https://example.tenantaccount.com',
  flag: 1,
  testFlag: 0,
  timeStamp: STAMP,
  ...over,
});

export const application = (over: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  tenantId: TENANT,
  appId: APP,
  clientId: 'client-0001',
  clientSecret: SECRET_SHA256.ciphertext,
  flag: 1,
  testFlag: 0,
  timeStamp: STAMP,
  ...over,
});

export const user = (i: number, over: Record<string, unknown> = {}) => ({
  userName: `user${String(i).padStart(4, '0')}`,
  name: `用户${i}`,
  orgCode: '10001',
  role: i === 0 ? 'admin' : 'user',
  enable: 'true',
  ...over,
});

export const users = (n: number, over: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => user(i, over));

/** V2: `userList` a real array. */
export const auth = (userList: object[], over: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  tenantId: TENANT,
  appId: APP,
  userList,
  currentSyncTime: '20221109101010123',
  flag: 1,
  testFlag: 0,
  timeStamp: STAMP,
  ...over,
});

/** V1: `userList` the same array JSON-encoded in a string. */
export const authV1 = (userList: object[], over: Record<string, unknown> = {}) => auth([], { userList: JSON.stringify(userList), ...over });

export const unit = (orgCode: string, orgName: string, parentCode = '') => ({ orgCode, orgName, parentCode });

export const allOrgs = (orgInfoList: object[], over: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  tenantId: TENANT,
  orgInfoList,
  testFlag: 0,
  timeStamp: STAMP,
  ...over,
});

/** V1: `orgInfo` a JSON-encoded string of `{orgCode, name, parentCode}`. */
export const allOrgsV1 = (units: { orgCode: string; orgName: string; parentCode: string }[], over: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  tenantId: TENANT,
  orgInfo: JSON.stringify(units.map(({ orgCode, orgName, parentCode }) => ({ orgCode, name: orgName, parentCode }))),
  testFlag: 0,
  timeStamp: STAMP,
  ...over,
});

export const singleOrg = (orgCode: string, orgName: string, parentCode: string, flag: number, over: Record<string, unknown> = {}) => ({
  instanceId: INSTANCE,
  tenantId: TENANT,
  orgCode,
  orgName,
  parentCode,
  flag,
  testFlag: 0,
  timeStamp: STAMP,
  ...over,
});
