import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Dialect } from './connect.js';
import type { Database } from './schema.js';

/**
 * The deletes of the retention job (src/retention/), each of at most `limit` rows, so that no statement holds its locks
 * long; the job repeats them until a batch comes back short. On PostgreSQL a batch skips rows another replica's batch
 * holds (FOR UPDATE SKIP LOCKED), so replicas pruning at once share the work instead of waiting on each other, and each
 * counts only the rows it deleted. SQLite runs one writer at a time.
 */
export interface PruneBatch {
  db: Kysely<Database>;
  dialect: Dialect;
  limit: number;
}

const FINISHED_RECORD_STATES = ['sent', 'rejected', 'expired'] as const;
const FINISHED_UPLOAD_STATES = ['uploaded', 'rejected', 'skipped'] as const;

function claimed<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, dialect: Dialect): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}

const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);

export async function pruneExpiredNonces({ db, dialect, limit }: PruneBatch, now: number): Promise<number> {
  const batch = claimed(db.selectFrom('nonces').select(['scope', 'nonce']).where('expires_at', '<', now).limit(limit), dialect);
  return deleted(
    await db
      .deleteFrom('nonces')
      .where((eb) => eb(eb.refTuple('scope', 'nonce'), 'in', batch.$asTuple('scope', 'nonce')))
      .executeTakeFirst(),
  );
}

export async function pruneExpiredSsoAttempts({ db, dialect, limit }: PruneBatch, now: number): Promise<number> {
  const batch = claimed(db.selectFrom('sso_login_attempts').select('state_hash').where('expires_at', '<', now).limit(limit), dialect);
  return deleted(await db.deleteFrom('sso_login_attempts').where('state_hash', 'in', batch).executeTakeFirst());
}

export async function pruneExpiredSsoSessions({ db, dialect, limit }: PruneBatch, now: number): Promise<number> {
  const batch = claimed(db.selectFrom('sso_sessions').select('id_hash').where('expires_at', '<', now).limit(limit), dialect);
  return deleted(await db.deleteFrom('sso_sessions').where('id_hash', 'in', batch).executeTakeFirst());
}

export async function pruneAuditEvents({ db, dialect, limit }: PruneBatch, receivedBefore: number): Promise<number> {
  const batch = claimed(db.selectFrom('events').select('id').where('received_at', '<', receivedBefore).limit(limit), dialect);
  return deleted(await db.deleteFrom('events').where('id', 'in', batch).executeTakeFirst());
}

/**
 * Usage events sealed into a record that is finished (sent, rejected or expired) and was last changed before
 * `finishedBefore`. Their billable sum moves into usage_totals in the same transaction as the delete, so
 * queryInstance's cumulative usage does not change and no event is counted twice, even with replicas pruning at once.
 */
export async function pruneUsageEventsOfFinishedRecords({ db, dialect, limit }: PruneBatch, finishedBefore: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const finished = trx
      .selectFrom('usage_records')
      .select('metering_sn')
      .where('state', 'in', FINISHED_RECORD_STATES)
      .where('updated_at', '<', finishedBefore);
    const rows = await claimed(trx.selectFrom('usage_events').select('event_id').where('metering_sn', 'in', finished).limit(limit), dialect).execute();
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => row.event_id);
    await trx
      .insertInto('usage_totals')
      .columns(['instance_id', 'package_instance_id', 'units', 'last_occurred_at'])
      .expression(
        trx
          .selectFrom('usage_events')
          .select(['instance_id', 'package_instance_id', sql<number>`sum(quantity)`.as('units'), sql<number>`max(occurred_at)`.as('last_occurred_at')])
          .where('event_id', 'in', ids)
          .where('unbillable', 'is', null)
          .groupBy(['instance_id', 'package_instance_id'])
          // One order of keys for every replica: two folding at once then wait for each other instead of deadlocking.
          .orderBy('instance_id')
          .orderBy('package_instance_id'),
      )
      .onConflict((oc) =>
        oc.columns(['instance_id', 'package_instance_id']).doUpdateSet({
          units: sql<number>`usage_totals.units + excluded.units`,
          last_occurred_at: sql<number>`case when excluded.last_occurred_at > usage_totals.last_occurred_at then excluded.last_occurred_at else usage_totals.last_occurred_at end`,
        }),
      )
      .execute();
    return deleted(await trx.deleteFrom('usage_events').where('event_id', 'in', ids).executeTakeFirst());
  });
}

/** Late events that could never be billed (their instance was released or unknown), recorded before `recordedBefore`. */
export async function pruneUnbillableUsageEvents({ db, dialect, limit }: PruneBatch, recordedBefore: number): Promise<number> {
  const batch = claimed(
    db
      .selectFrom('usage_events')
      .select('event_id')
      .where('metering_sn', 'is', null)
      .where('unbillable', 'is not', null)
      .where('recorded_at', '<', recordedBefore)
      .limit(limit),
    dialect,
  );
  return deleted(await db.deleteFrom('usage_events').where('event_id', 'in', batch).executeTakeFirst());
}

/** Finished records last changed before `finishedBefore` whose events are gone (pruneUsageEventsOfFinishedRecords). */
export async function pruneFinishedUsageRecords({ db, dialect, limit }: PruneBatch, finishedBefore: number): Promise<number> {
  const batch = claimed(
    db
      .selectFrom('usage_records as r')
      .select('r.metering_sn')
      .where('r.state', 'in', FINISHED_RECORD_STATES)
      .where('r.updated_at', '<', finishedBefore)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('usage_events as e').select('e.event_id').whereRef('e.metering_sn', '=', 'r.metering_sn'))))
      .limit(limit),
    dialect,
  );
  return deleted(await db.deleteFrom('usage_records').where('metering_sn', 'in', batch).executeTakeFirst());
}

/**
 * Order lookups last changed before `finishedBefore` that nothing reads any more: given up (`failed`: the next trigger
 * starts a new one), or `found` but no longer the latest order of a live instance, which OrderLookups.forInstance
 * answers from (no instance, the instance released or failed before the cutoff, or a later order found for it).
 */
export async function pruneFinishedOrderLookups({ db, dialect, limit }: PruneBatch, finishedBefore: number): Promise<number> {
  const batch = claimed(
    db
      .selectFrom('order_lookups as o')
      .select(['o.order_id', 'o.order_line_id'])
      .where('o.state', 'in', ['found', 'failed'])
      .where('o.updated_at', '<', finishedBefore)
      .where(({ eb, or, not, exists, selectFrom }) =>
        or([
          eb('o.state', '=', 'failed'),
          not(
            exists(
              selectFrom('instances as i')
                .select('i.instance_id')
                .whereRef('i.instance_id', '=', 'o.instance_id')
                .where((live) => live.or([live('i.status', 'not in', ['RELEASED', 'FAILED']), live('i.updated_at', '>=', finishedBefore)])),
            ),
          ),
          exists(
            selectFrom('order_lookups as later')
              .select('later.order_id')
              .whereRef('later.instance_id', '=', 'o.instance_id')
              .where('later.state', '=', 'found')
              .whereRef('later.found_at', '>', 'o.found_at'),
          ),
        ]),
      )
      .limit(limit),
    dialect,
  );
  return deleted(
    await db
      .deleteFrom('order_lookups')
      .where((eb) => eb(eb.refTuple('order_id', 'order_line_id'), 'in', batch.$asTuple('order_id', 'order_line_id')))
      .executeTakeFirst(),
  );
}

/** getLicenseAsync applications whose License upload is over (uploaded, refused for good, or skipped) before `finishedBefore`. */
export async function pruneFinishedLicenseUploads({ db, dialect, limit }: PruneBatch, finishedBefore: number): Promise<number> {
  const batch = claimed(
    db
      .selectFrom('license_requests')
      .select(['event_id', 'fingerprint_key'])
      .where('upload_state', 'in', FINISHED_UPLOAD_STATES)
      .where('requested_at', '<', finishedBefore)
      .where((eb) => eb.or([eb('uploaded_at', 'is', null), eb('uploaded_at', '<', finishedBefore)]))
      .limit(limit),
    dialect,
  );
  return deleted(
    await db
      .deleteFrom('license_requests')
      .where((eb) => eb(eb.refTuple('event_id', 'fingerprint_key'), 'in', batch.$asTuple('event_id', 'fingerprint_key')))
      .executeTakeFirst(),
  );
}
