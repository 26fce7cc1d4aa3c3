import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { wallTime } from '../dispatch.js';
import { type ScenarioContext, log, pause, product, purchase, query, release, step } from '../steps.js';

/** `yyyyMMddHHmmssSSS` in UTC+8: the Kit `timeStamp` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html). */
const kitTimeStamp = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 17);

/**
 * A joint-operation purchase: the SaaS instance, then the Kit syncs the tenant's enterprise sends (tenant, application,
 * users, organisation), each sent once (Kit syncs are not retried: the buyer resends); the tenant is deleted, the
 * instance released. V1 sends the lists JSON-encoded in strings, and gets its timeStamp from the driver.
 */
export function jointOperation(version: 'kit-v2' | 'kit-v1') {
  return async (ctx: ScenarioContext): Promise<void> => {
    const instance = await purchase(ctx, 'saas-v2', {
      orderType: 'NEW',
      chargingMode: 'PERIOD',
      product: product(ctx, 2),
      periodType: 'year',
      periodNumber: 1,
      amount: 1200,
    });
    await pause(ctx);
    await query(ctx, instance);
    const tenantId = randomBytes(16).toString('hex');
    const appId = `app-${randomBytes(4).toString('hex')}`;
    const v2 = version === 'kit-v2';
    const stamped = (body: Record<string, unknown>) => (v2 ? { ...body, timeStamp: kitTimeStamp(wallTime(ctx)) } : body);
    const common = { instanceId: instance.instanceId, tenantId, testFlag: 0 };
    const tenant = (flag: number) =>
      stamped({
        ...common,
        orderId: instance.orderId,
        tenantCode: `t${tenantId.slice(0, 8)}`,
        name: 'Simulated Enterprise',
        domainName: `https://${tenantId.slice(0, 8)}.tenant.example.com`,
        flag,
      });

    await pause(ctx);
    await step(ctx, version, 'tenantSync', tenant(1));
    if (ctx.kitPublicKeyPem) {
      const clientSecret = publicEncrypt(
        { key: ctx.kitPublicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(randomBytes(24).toString('base64url')),
      ).toString('base64');
      await step(ctx, version, 'applicationSync', stamped({ ...common, appId, clientId: `client-${appId}`, clientSecret, flag: 1 }));
    } else {
      log(ctx, "applicationSync skipped: its clientSecret is encrypted with the seller's RSA public key (give --kit-public-key)");
    }
    const users = [
      { userName: 'admin01', name: 'Admin', orgCode: '10000', role: 'admin', enable: 'true' },
      { userName: 'user02', name: 'User', orgCode: '10001', role: 'user', enable: 'true' },
    ];
    await step(
      ctx,
      version,
      'authSync',
      stamped({ ...common, appId, userList: v2 ? users : JSON.stringify(users), currentSyncTime: kitTimeStamp(wallTime(ctx)), flag: 1 }),
    );
    const units = [
      { orgCode: '10000', orgName: 'Headquarters', parentCode: '' },
      { orgCode: '10001', orgName: 'Research', parentCode: '10000' },
    ];
    await step(
      ctx,
      version,
      'allOrgSync',
      stamped(
        v2
          ? { ...common, orgInfoList: units }
          : { ...common, orgInfo: JSON.stringify(units.map(({ orgCode, orgName, parentCode }) => ({ orgCode, name: orgName, parentCode }))) },
      ),
    );
    await step(ctx, version, 'singleOrgSync', stamped({ ...common, orgCode: '10002', orgName: 'Sales', parentCode: '10000', flag: 1 }));
    await pause(ctx);
    await step(ctx, version, 'tenantSync', tenant(0));
    await release(ctx, instance);
  };
}
