import { constants, publicEncrypt } from 'node:crypto';
import { type CaseOptions, type CaseRun, type ConformanceCase, MODES, type Mode, type Step } from '../case.js';
import { kitTimeStamp } from '../signing.js';
import { badInputCases } from './bad-input.js';
import { probingCase } from './probing.js';
import { securityCases } from './security.js';

// Joint-operation Kit syncs (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html and its
// siblings), V2 (x-sign headers, flags up to 2, authSync 3) and V1 (authToken header, JSON-encoded lists, flags 0/1):
// the buyer binding an enterprise, its application, departments and users. Kit calls are never retried automatically,
// but a buyer may resend: every sync is idempotent, and deleting what is not there succeeds.

type Version = 'v2' | 'v1';

interface KitWorld {
  instanceId: string;
  orderId: string;
  tenantId: string;
  tenantCode: string;
  appId: string;
  clientId: string;
}

interface User {
  userName: string;
  name: string;
  orgCode: string;
  role: 'user' | 'admin';
  enable: 'true' | 'false';
  email?: string;
}

const NEEDS_KEY = "applicationSync must carry a clientSecret encrypted with the seller's RSA public key: give it with --kit-public-key <pem file>";
const needsKey = (options: CaseOptions) => (options.kitPublicKeyPem ? undefined : NEEDS_KEY);

function newWorld(run: CaseRun, { credentialApplication = false } = {}): KitWorld {
  const tenantId = run.ids.tenant();
  return {
    // When the seller applies for application credentials, instanceId and orderId are empty (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html).
    instanceId: credentialApplication ? '' : run.ids.businessId(),
    orderId: credentialApplication ? '' : run.ids.order().orderId,
    tenantId,
    tenantCode: tenantId.toLowerCase(),
    appId: run.ids.app(),
    clientId: run.ids.other('CL'),
  };
}

/**
 * The bodies of one Kit version about one world; V2 bodies carry their timeStamp, V1's is set by the driver. testFlag is
 * mandatory: 1 for a debug call, 0 for a production one.
 */
function kitBodies(version: Version, world: KitWorld, mode: Mode) {
  const stamp = () => (version === 'v2' ? { timeStamp: kitTimeStamp(Date.now()) } : {});
  const step = (handler: string, body: Record<string, unknown>, label?: string): Step => ({
    handler,
    body: { ...body, testFlag: mode === 'debug' ? 1 : 0, ...stamp() },
    label: label ?? handler,
  });
  const { instanceId, orderId, tenantId, tenantCode, appId, clientId } = world;
  return {
    tenant: (flag: number, name = 'Conformance Tenant') =>
      step(
        'tenantSync',
        { instanceId, orderId, tenantId, tenantCode, name, domainName: `https://${tenantCode}.tenant.example.com`, flag },
        `tenantSync flag ${flag}`,
      ),
    application: (flag: number, clientSecret: string, client = clientId) =>
      step('applicationSync', { instanceId, tenantId, appId, clientId: client, clientSecret, flag }, `applicationSync flag ${flag}`),
    users: (flag: number, users: User[]) =>
      step(
        'authSync',
        { instanceId, tenantId, appId, userList: version === 'v2' ? users : JSON.stringify(users), currentSyncTime: kitTimeStamp(Date.now()), flag },
        `authSync flag ${flag}`,
      ),
    allOrgs: (units: { orgCode: string; orgName: string; parentCode: string }[]) =>
      step(
        'allOrgSync',
        version === 'v2'
          ? { instanceId, tenantId, orgInfoList: units }
          : { instanceId, tenantId, orgInfo: JSON.stringify(units.map(({ orgCode, orgName, parentCode }) => ({ orgCode, name: orgName, parentCode }))) },
      ),
    org: (flag: number, orgCode: string, orgName: string, parentCode = '') =>
      step('singleOrgSync', { instanceId, tenantId, orgCode, orgName, parentCode, flag }, `singleOrgSync flag ${flag}`),
  };
}

/** A clientSecret as the marketplace sends it: RSA-OAEP with the seller's public key, Base64 (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649434.html; SHA-256, docs/decisions.md#12). */
function sealSecret(options: CaseOptions, secret: string): string {
  if (!options.kitPublicKeyPem) return 'not-encrypted-no-public-key-given';
  return publicEncrypt({ key: options.kitPublicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(secret, 'utf8')).toString(
    'base64',
  );
}

const USERS: User[] = [
  { userName: 'zhangsan01', name: '张三', orgCode: 'ORG-HQ', role: 'admin', enable: 'true', email: 'zhangsan@example.com' },
  { userName: 'lisi02', name: 'Li Si', orgCode: 'ORG-RD', role: 'user', enable: 'true' },
];
const ORGS = [
  { orgCode: 'ORG-HQ', orgName: 'Headquarters', parentCode: '' },
  { orgCode: 'ORG-RD', orgName: 'R&D', parentCode: 'ORG-HQ' },
];

export function kitCases(version: Version): ConformanceCase[] {
  const family = version === 'v2' ? 'kit-v2' : 'kit-v1';
  const modify = version === 'v2';

  const lifecycles = MODES.map(
    (mode): ConformanceCase => ({
      id: `${family}.joint-operation.${mode}`,
      family,
      productType: 'joint-operation',
      kind: 'lifecycle',
      title: `joint operation: bind an enterprise, its application, departments and users, ${modify ? 'modify, cancel, ' : ''}then unbind (${mode === 'debug' ? 'debug calls, testFlag 1' : 'production calls, testFlag 0'})`,
      steps: [
        'tenantSync add (flag 1): 000000',
        'applicationSync add with the RSA-OAEP clientSecret: 000000',
        'allOrgSync with two departments; singleOrgSync add, modify, delete: 000000 each',
        'authSync add two users, then modify them: 000000 each',
        ...(modify ? ['authSync cancel authorisation (flag 3): 000000', 'applicationSync modify with new credentials (flag 2): 000000'] : []),
        'authSync delete the users; applicationSync delete: 000000 each',
        ...(modify ? ['tenantSync modify name and domain (flag 2): 000000'] : []),
        'tenantSync delete (flag 0): 000000',
      ],
      unmet: needsKey,
      async run(run) {
        const kit = kitBodies(version, newWorld(run), mode);
        await run.succeed(kit.tenant(1));
        await run.succeed(kit.application(1, sealSecret(run.options, 'secret-of-the-app-1')));
        await run.succeed(kit.allOrgs(ORGS));
        await run.succeed(kit.org(1, 'ORG-OPS', 'Operations', 'ORG-HQ'));
        await run.succeed(kit.org(2, 'ORG-OPS', 'Operations and Support', 'ORG-HQ'));
        await run.succeed(kit.org(0, 'ORG-OPS', 'Operations and Support', 'ORG-HQ'));
        await run.succeed(kit.users(1, USERS));
        await run.succeed(
          kit.users(
            2,
            USERS.map((user) => ({ ...user, name: `${user.name} (renamed)` })),
          ),
        );
        if (modify) {
          await run.succeed(kit.users(3, USERS.slice(1)));
          await run.succeed(kit.application(2, sealSecret(run.options, 'secret-of-the-app-2'), run.ids.other('CL')));
        }
        await run.succeed(kit.users(0, USERS));
        await run.succeed(kit.application(0, sealSecret(run.options, 'secret-of-the-app-2')));
        if (modify) await run.succeed(kit.tenant(2, 'Conformance Tenant (renamed)'));
        await run.succeed(kit.tenant(0));
      },
    }),
  );

  const credentialApplication: ConformanceCase = {
    id: `${family}.joint-operation.credential-application`,
    family,
    productType: 'joint-operation',
    kind: 'lifecycle',
    title: 'application credentials requested by the seller: tenantSync and applicationSync with empty instanceId and orderId',
    steps: [
      'tenantSync add with empty instanceId and orderId (testFlag 1): 000000',
      'applicationSync add with empty instanceId: 000000',
      'applicationSync and tenantSync delete: 000000',
    ],
    unmet: needsKey,
    async run(run) {
      // The seller applying for credentials is a debug call (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html: instanceId and orderId empty).
      const kit = kitBodies(version, newWorld(run, { credentialApplication: true }), 'debug');
      await run.succeed(kit.tenant(1));
      await run.succeed(kit.application(1, sealSecret(run.options, 'credential-application-secret')));
      await run.succeed(kit.application(0, sealSecret(run.options, 'credential-application-secret')));
      await run.succeed(kit.tenant(0));
    },
  };

  const idempotency: ConformanceCase = {
    id: `${family}.idempotency.resent-syncs`,
    family,
    productType: 'joint-operation',
    kind: 'idempotency',
    title: 'every sync resent succeeds again, and deleting what is not there succeeds',
    steps: [
      'tenantSync add twice: 000000 both',
      'allOrgSync twice, singleOrgSync add twice: 000000 each',
      'with --kit-public-key: applicationSync add twice, authSync add twice, authSync delete twice',
      'singleOrgSync delete of an unknown department, applicationSync delete of an unknown application: 000000',
      'tenantSync delete twice, and of a tenant never synced: 000000 each',
    ],
    async run(run) {
      const kit = kitBodies(version, newWorld(run), 'production');
      const rule = run.rules.kitDeleteMissing;
      const twice = async (step: Step) => {
        await run.succeed({ ...step, label: `${step.label} (first)` });
        await run.succeed({ ...step, label: `${step.label} (resent)` }, { rule });
      };
      await twice(kit.tenant(1));
      await twice(kit.allOrgs(ORGS));
      await twice(kit.org(1, 'ORG-QA', 'Quality', 'ORG-RD'));
      if (run.options.kitPublicKeyPem) {
        await twice(kit.application(1, sealSecret(run.options, 'resent-secret')));
        await twice(kit.users(1, USERS));
        await twice(kit.users(0, USERS));
      }
      const unknown = kitBodies(version, newWorld(run), 'production');
      await run.succeed({ ...unknown.org(0, 'ORG-NONE', 'Nowhere'), label: 'singleOrgSync delete of an unknown department' }, { rule });
      await run.succeed(
        { ...unknown.application(0, sealSecret(run.options, 'unknown-secret')), label: 'applicationSync delete of an unknown application' },
        { rule },
      );
      await twice(kit.tenant(0));
      await run.succeed({ ...unknown.tenant(0), label: 'tenantSync delete of a tenant never synced' }, { rule });
    },
  };

  const probing = probingCase({
    family,
    productType: 'joint-operation',
    async savedCases(run) {
      const kit = kitBodies(version, newWorld(run), 'debug');
      const withKey = run.options.kitPublicKeyPem ? [kit.application(1, sealSecret(run.options, 'probed-secret')), kit.users(1, USERS)] : [];
      return [kit.tenant(1), ...withKey, kit.allOrgs(ORGS), kit.org(1, 'ORG-QA', 'Quality', 'ORG-RD')];
    },
  });

  const security = securityCases({
    family,
    productType: 'joint-operation',
    probeTitle: 'tenantSync add of a fresh tenant',
    async probe(run) {
      return { step: kitBodies(version, newWorld(run), 'production').tenant(1) };
    },
  });

  const badInput = badInputCases({
    family,
    productType: 'joint-operation',
    // A valid applicationSync (the positive control) needs a clientSecret the seller can decrypt.
    optional: { handlers: ['applicationSync'], unmet: needsKey },
    async base(run, handler) {
      const kit = kitBodies(version, newWorld(run), 'production');
      const bodies: Record<string, Step> = {
        tenantSync: kit.tenant(1),
        applicationSync: kit.application(1, sealSecret(run.options, 'bad-input-secret')),
        authSync: kit.users(1, USERS),
        allOrgSync: kit.allOrgs(ORGS),
        singleOrgSync: kit.org(1, 'ORG-QA', 'Quality', 'ORG-RD'),
      };
      return bodies[handler]!.body;
    },
    malformed: {
      handler: 'tenantSync',
      inputs: [
        { label: 'a body that is not JSON', raw: 'tenantId=1', request: 'unparseable' },
        { label: 'a JSON array', raw: '[]', request: 'violating' },
        { label: 'an empty JSON object', body: {}, request: 'violating' },
      ],
    },
  });

  return [...lifecycles, credentialApplication, idempotency, probing, ...security, ...badInput];
}
