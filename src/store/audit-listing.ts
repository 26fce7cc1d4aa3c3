import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { StoredEvent } from './events.js';
import type { Database } from './schema.js';

/** The codes of a call kgkit did not refuse: done (000000), or still in progress (000004) (docs/decisions.md#26). */
export const NOT_REFUSED: readonly string[] = ['000000', '000004'];

/** Which calls of the audit trail an operator asks for (the kgkit API's listEvents); every filter given must hold. */
export interface AuditFilter {
  instanceId?: string;
  orderId?: string;
  family?: string;
  activity?: string;
  code?: string;
  /** true: refused calls only; false: the others only. */
  refused?: boolean;
  /** Text the answer's result_msg contains (ASCII letters in any case). */
  reason?: string;
  /** Calls received at or after this time (epoch ms). */
  since?: number;
}

/** `LIKE` text that matches `text` anywhere, with its own `%`, `_` and `\` taken literally. */
const containing = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered<O>(query: SelectQueryBuilder<Database, 'events', O>, filter: AuditFilter): SelectQueryBuilder<Database, 'events', O> {
  let q = query;
  // The indexes hold a prefix of each ID (migration 0009): the prefix finds the rows, the full value picks them.
  if (filter.instanceId !== undefined)
    q = q.where(sql`substr(instance_id, 1, 200)`, '=', sql<string>`substr(${filter.instanceId}, 1, 200)`).where('instance_id', '=', filter.instanceId);
  if (filter.orderId !== undefined)
    q = q.where(sql`substr(order_id, 1, 200)`, '=', sql<string>`substr(${filter.orderId}, 1, 200)`).where('order_id', '=', filter.orderId);
  if (filter.family !== undefined) q = q.where('family', '=', filter.family);
  if (filter.activity !== undefined) q = q.where('activity', '=', filter.activity);
  if (filter.code !== undefined) q = q.where('result_code', '=', filter.code);
  if (filter.refused !== undefined) q = q.where('result_code', filter.refused ? 'not in' : 'in', NOT_REFUSED);
  if (filter.reason !== undefined) q = q.where(reasonContains(filter.reason));
  if (filter.since !== undefined) q = q.where('received_at', '>=', filter.since);
  return q;
}

// SQLite has no default escape character for LIKE, PostgreSQL's is `\`: naming it makes both read the pattern alike.
const reasonContains = (text: string) => (eb: ExpressionBuilder<Database, 'events'>) =>
  eb(sql`lower(coalesce(result_msg, ''))`, 'like', sql<string>`${containing(text)} escape '\\'`);

/** One page of the calls that match, newest first; one more than `limit` tells whether another page follows. */
export async function listAuditEvents(db: Kysely<Database>, filter: AuditFilter & { limit: number; offset: number }): Promise<StoredEvent[]> {
  return filtered(db.selectFrom('events').selectAll(), filter)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
}

export interface RefusalGroupRow {
  family: string;
  activity: string;
  code: string;
  reason: string | null;
  calls: number;
  firstAt: number;
  lastAt: number;
}

/** The refused calls received since `since`, by family, activity, code and reason, the most frequent first. */
export async function refusalGroups(
  db: Kysely<Database>,
  filter: Pick<AuditFilter, 'family' | 'reason'> & { since: number; limit: number },
): Promise<RefusalGroupRow[]> {
  const rows = await filtered(
    db
      .selectFrom('events')
      .select((eb) => [
        'family',
        'activity',
        'result_code',
        'result_msg',
        eb.fn.countAll<number>().as('calls'),
        eb.fn.min('received_at').as('first_at'),
        eb.fn.max('received_at').as('last_at'),
      ]),
    { ...filter, refused: true },
  )
    .groupBy(['family', 'activity', 'result_code', 'result_msg'])
    .orderBy('calls', 'desc')
    .orderBy('last_at', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map((row) => ({
    family: row.family,
    activity: row.activity,
    code: row.result_code,
    reason: row.result_msg,
    calls: Number(row.calls),
    firstAt: Number(row.first_at),
    lastAt: Number(row.last_at),
  }));
}

/** How many calls received since `since` (of the family, with the reason) were refused. */
export async function countRefusals(db: Kysely<Database>, filter: Pick<AuditFilter, 'family' | 'reason'> & { since: number }): Promise<number> {
  const row = await filtered(
    db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')),
    { ...filter, refused: true },
  ).executeTakeFirst();
  return Number(row?.n ?? 0);
}
