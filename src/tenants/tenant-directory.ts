// The tenant directory the joint-operation Kit syncs write (openapi/kit-v2/ and openapi/kit-v1/ cite each sync's page). No HTTP
// here: the handlers of both Kit versions map their bodies to these calls. Idempotency (docs/decisions.md#14): keys (instance, tenant[, app]
// [, userName | orgCode]); every write is one guarded statement or one transaction, so repeats and concurrent repeats
// converge; deleting something unknown succeeds; the instance is never checked.

// The records are the store's (src/store/kit-directory.ts): it owns the rows and their shapes.
import type { TenantRecord, ApplicationRecord, DirectoryUser, AppScope, OrgScope, OrgUnit } from '../store/kit-directory.js';

export type SyncAction = 'add' | 'modify' | 'delete';
/** authSync adds `cancel` (V2 flag 3, 取消授权). */
export type UserSyncAction = SyncAction | 'cancel';

/** The storage the directory needs; each method is one statement or one transaction. */
export interface KitDirectoryStore {
  putTenant(tenant: TenantRecord, now: number): Promise<void>;
  /** Removes the tenant with its applications, users and departments of that instance. */
  removeTenant(instanceId: string, tenantId: string): Promise<void>;
  putApplication(application: ApplicationRecord & { sealedSecret: string }, now: number): Promise<void>;
  /** Removes the application with the users authorised for it. */
  removeApplication(instanceId: string, tenantId: string, appId: string): Promise<void>;
  /** Upserts; `authorize` 'all' (re)authorises every listed user, 'new' only those not stored yet. */
  putUsers(scope: AppScope, users: readonly DirectoryUser[], authorize: 'all' | 'new', syncTime: string, now: number): Promise<void>;
  removeUsers(scope: AppScope, userNames: readonly string[]): Promise<void>;
  cancelUsers(scope: AppScope, userNames: readonly string[], syncTime: string, now: number): Promise<void>;
  replaceOrgUnits(scope: OrgScope, units: readonly OrgUnit[], now: number): Promise<void>;
  putOrgUnit(scope: OrgScope, unit: OrgUnit, now: number): Promise<void>;
  removeOrgUnit(scope: OrgScope, orgCode: string): Promise<void>;
}

export type SyncOutcome = { code: '000000' };
export type ApplicationOutcome = SyncOutcome | { code: '000101' | '000005'; message: string };

export interface TenantDirectoryOptions {
  store: KitDirectoryStore;
  /** Decrypts a Base64 RSA-OAEP clientSecret (undefined when it cannot); absent when no RSA private key is configured. */
  decryptSecret?: ((ciphertext: string) => string | undefined) | undefined;
  /** Seals a decrypted secret for the store. */
  sealSecret: (plaintext: string) => string;
  now?: () => number;
}

const DONE: SyncOutcome = { code: '000000' };

export class TenantDirectory {
  private readonly store: KitDirectoryStore;
  private readonly decryptSecret: TenantDirectoryOptions['decryptSecret'];
  private readonly sealSecret: (plaintext: string) => string;
  private readonly now: () => number;

  constructor({ store, decryptSecret, sealSecret, now = Date.now }: TenantDirectoryOptions) {
    this.store = store;
    this.decryptSecret = decryptSecret;
    this.sealSecret = sealSecret;
    this.now = now;
  }

  /** Add and modify both leave the tenant with the values sent (a modify of an unknown tenant adds it). */
  async syncTenant(action: SyncAction, tenant: TenantRecord): Promise<SyncOutcome> {
    if (action === 'delete') await this.store.removeTenant(tenant.instanceId, tenant.tenantId);
    else await this.store.putTenant(tenant, this.now());
    return DONE;
  }

  /** The secret is decrypted for add and modify only: a delete must succeed whatever it carries. */
  async syncApplication(action: SyncAction, application: ApplicationRecord, clientSecret: string): Promise<ApplicationOutcome> {
    if (action === 'delete') {
      await this.store.removeApplication(application.instanceId, application.tenantId, application.appId);
      return DONE;
    }
    if (!this.decryptSecret) return { code: '000005', message: 'no RSA private key is configured for the Kit (KIT_RSA_PRIVATE_KEY_FILE)' };
    const secret = this.decryptSecret(clientSecret);
    // Huawei's demo answers an undecryptable secret with 000101 "something wrong with appSecret" (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html).
    if (secret === undefined) return { code: '000101', message: 'something wrong with appSecret' };
    await this.store.putApplication({ ...application, sealedSecret: this.sealSecret(secret) }, this.now());
    return DONE;
  }

  async syncUsers(action: UserSyncAction, scope: AppScope, syncTime: string, users: readonly DirectoryUser[]): Promise<SyncOutcome> {
    // A userName listed twice counts once, the last entry winning: one upsert cannot touch a row twice.
    const unique = [...new Map(users.map((user) => [user.userName, user])).values()];
    if (unique.length === 0) return DONE;
    const names = unique.map((user) => user.userName);
    const now = this.now();
    if (action === 'delete') await this.store.removeUsers(scope, names);
    else if (action === 'cancel') await this.store.cancelUsers(scope, names, syncTime, now);
    else await this.store.putUsers(scope, unique, action === 'add' ? 'all' : 'new', syncTime, now);
    return DONE;
  }

  /** allOrgSync: afterwards the tenant's departments are exactly `units` (an orgCode listed twice: the last wins). */
  async replaceOrganisation(scope: OrgScope, units: readonly OrgUnit[]): Promise<SyncOutcome> {
    const unique = [...new Map(units.map((unit) => [unit.orgCode, unit])).values()];
    await this.store.replaceOrgUnits(scope, unique, this.now());
    return DONE;
  }

  /** singleOrgSync: add and modify (rename, move) leave the department as sent; a delete leaves its children. */
  async syncOrgUnit(action: SyncAction, scope: OrgScope, unit: OrgUnit): Promise<SyncOutcome> {
    if (action === 'delete') await this.store.removeOrgUnit(scope, unit.orgCode);
    else await this.store.putOrgUnit(scope, unit, this.now());
    return DONE;
  }
}

export type { TenantRecord, ApplicationRecord, DirectoryUser, AppScope, OrgScope, OrgUnit };
