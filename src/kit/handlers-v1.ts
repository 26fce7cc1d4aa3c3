import { type KitV1Handlers, kitV1Result as result } from '../../generated/kit-v1/server.js';
import type { DirectoryUser, TenantDirectory } from '../tenants/tenant-directory.js';
import { type V1User, decodeOrgInfo, decodeUserList } from './v1-lists.js';
import { answerOf } from '../http/answers.js';
import { ACTION } from './wire.js';

/** Kit V1: the same directory as V2; the JSON-encoded lists are decoded and checked first (000002 otherwise). */
export function kitV1Handlers(directory: TenantDirectory): KitV1Handlers {
  return {
    async tenantSync(r) {
      const { instanceId, orderId, tenantId, tenantCode, name, domainName } = r;
      return result.tenantSync(
        answerOf(await directory.syncTenant(ACTION[r.flag], { instanceId, orderId, tenantId, tenantCode, name, domainName, test: r.testFlag === 1 })),
      );
    },

    async applicationSync(r) {
      const application = { instanceId: r.instanceId, tenantId: r.tenantId, appId: r.appId, clientId: r.clientId, test: r.testFlag === 1 };
      return result.applicationSync(answerOf(await directory.syncApplication(ACTION[r.flag], application, r.clientSecret)));
    },

    async authSync(r) {
      const users = decodeUserList(r.userList);
      if (!users.ok) return result.authSync({ resultCode: '000002', resultMsg: users.message });
      const scope = { instanceId: r.instanceId, tenantId: r.tenantId, appId: r.appId, test: r.testFlag === 1 };
      return result.authSync(answerOf(await directory.syncUsers(ACTION[r.flag], scope, r.currentSyncTime, users.value.map(directoryUser))));
    },

    async allOrgSync(r) {
      const orgs = decodeOrgInfo(r.orgInfo);
      if (!orgs.ok) return result.allOrgSync({ resultCode: '000002', resultMsg: orgs.message });
      const units = orgs.value.map((o) => ({ orgCode: o.orgCode, orgName: o.name, parentCode: o.parentCode ?? '' }));
      return result.allOrgSync(
        answerOf(await directory.replaceOrganisation({ instanceId: r.instanceId, tenantId: r.tenantId, test: r.testFlag === 1 }, units)),
      );
    },

    async singleOrgSync(r) {
      const scope = { instanceId: r.instanceId, tenantId: r.tenantId, test: r.testFlag === 1 };
      return result.singleOrgSync(
        answerOf(await directory.syncOrgUnit(ACTION[r.flag], scope, { orgCode: r.orgCode, orgName: r.orgName, parentCode: r.parentCode ?? '' })),
      );
    },
  };
}

// The V1 example nests entryDate, employeeType (a string) and workPlace in `extension` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649111.html); they are read from there.
// `extension` is free-form: a member of another type is kept in it, not read.
function directoryUser(u: V1User): DirectoryUser {
  const extension = u.extension;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const employeeType = text(extension?.employeeType);
  return {
    userName: u.userName,
    name: u.name,
    orgCode: u.orgCode,
    role: u.role,
    enabled: u.enable === 'true',
    position: u.position,
    employeeCode: u.employeeCode,
    employeeType: employeeType !== undefined && /^[1-4]$/.test(employeeType) ? Number(employeeType) : undefined,
    mobile: u.mobile,
    email: u.email,
    workPlace: text(extension?.workPlace),
    entryDate: text(extension?.entryDate),
    extension,
  };
}
