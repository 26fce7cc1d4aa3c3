import { KIT_V1_PATHS, mountKitV1 } from '../../generated/kit-v1/server.js';
import { KIT_V2_PATHS, mountKitV2 } from '../../generated/kit-v2/server.js';
import { oaepDecryptor } from '../crypto/rsa-oaep.js';
import { DataKeys } from '../crypto/data-keys.js';
import type { FamilyContext, FamilyMount } from '../mount/family.js';
import { SqlKitDirectory } from '../store/kit-directory.js';
import { kitV1Handlers } from './handlers-v1.js';
import { kitV2Handlers } from './handlers-v2.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { signedContractOptions } from '../mount/signed-path.js';

/**
 * A 500-user authSync (V1: the same list JSON-encoded in a string) or a large enterprise's department list outgrows the
 * 64 KiB default of MAX_BODY_BYTES, so the Kit paths accept at least this much (a larger MAX_BODY_BYTES applies as is).
 */
export const KIT_MIN_BODY_BYTES = 4 * 1024 * 1024;

/** Where the Kit contracts put the production URL's path (kgkit's default SAAS_PATH). */
const CONTRACT_PRODUCTION_PATH = '/saas';

/**
 * Joint-operation Kit V2 (`<SAAS_PATH>/produceAPI/v2/<name>`, x-sign headers) and V1 (`<SAAS_PATH>/produceAPI/<name>`,
 * authToken header, Body-Sign always), both writing the one tenant directory (openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page).
 */
export const mountKit: FamilyMount = (app, { config, db, now, signedPath, observe }) => {
  const base = config.saasPath === '/' ? '' : config.saasPath;
  const keys = new DataKeys(config);
  const directory = new TenantDirectory({
    store: new SqlKitDirectory(db),
    decryptSecret: config.kit.rsaPrivateKeyPem ? oaepDecryptor(config.kit.rsaPrivateKeyPem) : undefined,
    sealSecret: (plaintext) => keys.seal(plaintext),
    now,
  });
  const maxBodyBytes = Math.max(config.maxBodyBytes, KIT_MIN_BODY_BYTES);
  const { accessKey } = config.kit;

  const v2Paths = atProductionPath(KIT_V2_PATHS, base);
  for (const path of Object.values(v2Paths)) signedPath(app, { path, scheme: 'kit-v2', accessKey, bodySign: config.bodySign, maxBodyBytes });
  mountKitV2(app, { paths: v2Paths, handlers: kitV2Handlers(directory), ...signedContractOptions(withoutSecret(observe('kit-v2')), config.strictRequests) });

  const v1Paths = atProductionPath(KIT_V1_PATHS, base);
  // V1 requires Body-Sign whatever BODY_SIGN says (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649157.html).
  for (const path of Object.values(v1Paths)) signedPath(app, { path, scheme: 'kit-v1', accessKey, bodySign: true, maxBodyBytes });
  mountKitV1(app, { paths: v1Paths, handlers: kitV1Handlers(directory), ...signedContractOptions(withoutSecret(observe('kit-v1')), config.strictRequests) });
};

/** The contract's paths (`/saas/produceAPI/…`) with its default production path replaced by the configured one. */
function atProductionPath<O extends string>(contractPaths: Record<O, string>, base: string): Record<O, string> {
  const entries = Object.entries<string>(contractPaths).map(([operation, path]) => [operation, base + path.slice(CONTRACT_PRODUCTION_PATH.length)]);
  return Object.fromEntries(entries) as Record<O, string>;
}

/** The audit trail keeps request bodies; the (encrypted) clientSecret is not one to keep. */
function withoutSecret(audit: ReturnType<FamilyContext['observe']>): ReturnType<FamilyContext['observe']> {
  return (call) => {
    const request = call.request as Record<string, unknown> | undefined;
    return audit(typeof request?.clientSecret === 'string' ? { ...call, request: { ...request, clientSecret: '(not kept)' } } : call);
  };
}
