import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { LicenseCodeChange, LicenseCodeHistoryTable, LicenseCodeStatus, LicenseCodesTable } from './tables/licenses.js';

export type LicenseCodeRow = Selectable<LicenseCodesTable>;
export type LicenseCodeHistoryRow = Selectable<LicenseCodeHistoryTable>;

export interface LicenseCodeRegistration {
  license: string;
  expiresAt: number | null;
  orderId?: string;
  productId?: string;
  test?: boolean;
  now: number;
}

export interface LicenseCodeRefresh {
  license: string;
  orderId: string;
  orderLineId: string;
  scene: string;
  expiresAt: number;
  productId?: string;
  test: boolean;
  now: number;
}

/** Refused inside a transaction: the code was released between the read and the write; nothing is kept. */
class ReleasedMeanwhile extends Error {}

/**
 * License authorization codes and their history. Each change is one transaction whose guarded statements carry the
 * decision, so replicas and concurrent retries of the marketplace may race (docs/decisions.md#14).
 */
export class SqlLicenseCodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(license: string): Promise<LicenseCodeRow | undefined> {
    return this.db.selectFrom('license_codes').selectAll().where('license', '=', license).executeTakeFirst();
  }

  async history(license: string): Promise<LicenseCodeHistoryRow[]> {
    return this.db.selectFrom('license_code_history').selectAll().where('license', '=', license).orderBy('id').execute();
  }

  async hasRefresh(license: string, orderId: string, scene: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('license_code_history')
      .select('id')
      .where('license', '=', license)
      .where('order_id', '=', orderId)
      .where('scene', '=', scene)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Makes a code known (ALIVE); false when it already was, which changes nothing. */
  async register(code: LicenseCodeRegistration): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('license_codes')
        .values({
          license: code.license,
          status: 'ALIVE',
          expires_at: code.expiresAt,
          product_id: code.productId ?? null,
          order_id: code.orderId ?? null,
          created_at: code.now,
          updated_at: code.now,
        })
        .onConflict((oc) => oc.column('license').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await addHistory(trx, code.license, 'register', 'ALIVE', {
        order_id: code.orderId ?? null,
        expires_at: code.expiresAt,
        product_id: code.productId ?? null,
        test: code.test ?? false,
        now: code.now,
      });
      return true;
    });
  }

  /** Applies a new expiry once per (license, orderId, scene); a released code is left alone. */
  async refresh(change: LicenseCodeRefresh): Promise<'applied' | 'repeated' | 'missing' | 'released'> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const code = await trx.selectFrom('license_codes').select(['status', 'product_id']).where('license', '=', change.license).executeTakeFirst();
        if (!code) return 'missing';
        if (code.status === 'RELEASED') return 'released';
        const productId = change.productId ?? code.product_id;
        const recorded = await trx
          .insertInto('license_code_history')
          .values(
            historyRow(change.license, 'refresh', code.status, {
              order_id: change.orderId,
              order_line_id: change.orderLineId,
              scene: change.scene,
              expires_at: change.expiresAt,
              product_id: productId,
              test: change.test,
              now: change.now,
            }),
          )
          .onConflict((oc) => oc.columns(['license', 'order_id', 'scene']).doNothing())
          .executeTakeFirst();
        if (Number(recorded.numInsertedOrUpdatedRows ?? 0) !== 1) return 'repeated';
        const updated = await trx
          .updateTable('license_codes')
          .set({ expires_at: change.expiresAt, product_id: productId, updated_at: change.now })
          .where('license', '=', change.license)
          .where('status', '!=', 'RELEASED')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new ReleasedMeanwhile();
        return 'applied';
      });
    } catch (error) {
      if (error instanceof ReleasedMeanwhile) return 'released';
      throw error;
    }
  }

  /** FREEZE (ALIVE → FROZEN) or UNFREEZE (FROZEN → ALIVE); asking for the current status changes nothing. */
  async setFrozen(change: { license: string; frozen: boolean; test: boolean; now: number }): Promise<'changed' | 'unchanged' | 'missing' | 'released'> {
    const [from, to]: [LicenseCodeStatus, LicenseCodeStatus] = change.frozen ? ['ALIVE', 'FROZEN'] : ['FROZEN', 'ALIVE'];
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('license_codes')
        .set({ status: to, updated_at: change.now })
        .where('license', '=', change.license)
        .where('status', '=', from)
        .returning(['expires_at', 'product_id'])
        .executeTakeFirst();
      if (updated) {
        await addHistory(trx, change.license, change.frozen ? 'freeze' : 'unfreeze', to, { ...updated, test: change.test, now: change.now });
        return 'changed';
      }
      const code = await trx.selectFrom('license_codes').select('status').where('license', '=', change.license).executeTakeFirst();
      if (!code) return 'missing';
      return code.status === 'RELEASED' ? 'released' : 'unchanged';
    });
  }

  /** Releases a code once; an unknown or already released code is left as it is. */
  async release(change: { license: string; orderId?: string; orderLineId?: string; test: boolean; now: number }): Promise<'released' | 'unchanged'> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('license_codes')
        .set({ status: 'RELEASED', updated_at: change.now })
        .where('license', '=', change.license)
        .where('status', '!=', 'RELEASED')
        .returning(['expires_at', 'product_id'])
        .executeTakeFirst();
      if (!updated) return 'unchanged';
      await addHistory(trx, change.license, 'release', 'RELEASED', {
        ...updated,
        order_id: change.orderId ?? null,
        order_line_id: change.orderLineId ?? null,
        test: change.test,
        now: change.now,
      });
      return 'released';
    });
  }
}

interface HistoryDetail {
  order_id?: string | null;
  order_line_id?: string | null;
  scene?: string | null;
  expires_at: number | null;
  product_id: string | null;
  test: boolean;
  now: number;
}

function historyRow(license: string, change: LicenseCodeChange, status: LicenseCodeStatus, detail: HistoryDetail) {
  return {
    license,
    change,
    order_id: detail.order_id ?? null,
    order_line_id: detail.order_line_id ?? null,
    scene: detail.scene ?? null,
    expires_at: detail.expires_at,
    product_id: detail.product_id,
    status,
    test_flag: detail.test ? 1 : 0,
    changed_at: detail.now,
  };
}

async function addHistory(
  trx: Transaction<Database>,
  license: string,
  change: LicenseCodeChange,
  status: LicenseCodeStatus,
  detail: HistoryDetail,
): Promise<void> {
  await trx
    .insertInto('license_code_history')
    .values(historyRow(license, change, status, detail))
    .execute();
}
