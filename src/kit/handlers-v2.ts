import { type KitV2Handlers, kitV2Result as result } from '../../generated/kit-v2/server.js';
import type { components } from '../../generated/kit-v2/types.js';
import type { DirectoryUser, TenantDirectory } from '../tenants/tenant-directory.js';
import { answerOf } from '../http/answers.js';
import { ACTION, USER_ACTION } from './wire.js';

type User = components['schemas']['User'];

/** Kit V2: each sync mapped to the tenant directory, its outcome back to the contract. */
export function kitV2Handlers(directory: TenantDirectory): KitV2Handlers {
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
      const scope = { instanceId: r.instanceId, tenantId: r.tenantId, appId: r.appId, test: r.testFlag === 1 };
      return result.authSync(answerOf(await directory.syncUsers(USER_ACTION[r.flag], scope, r.currentSyncTime, r.userList.map(directoryUser))));
    },

    async allOrgSync(r) {
      const units = r.orgInfoList.map((o) => ({ orgCode: o.orgCode, orgName: o.orgName, parentCode: o.parentCode ?? '' }));
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

function directoryUser(u: User): DirectoryUser {
  return {
    userName: u.userName,
    name: u.name,
    orgCode: u.orgCode,
    role: u.role,
    enabled: u.enable === 'true',
    position: u.position,
    employeeCode: u.employeeCode,
    employeeType: u.employeeType,
    mobile: u.mobile,
    email: u.email,
    workPlace: u.workPlace,
    entryDate: u.entryDate,
    extension: u.extension,
  };
}
