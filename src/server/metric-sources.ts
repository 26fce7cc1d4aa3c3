import type { Kysely } from 'kysely';
import type { InstanceEvent, Provisioner } from '../instances/provisioner.js';
import type { JobStats } from '../jobs/runner.js';
import { LICENSE_UPLOAD_STATES } from '../license-uploads/license-uploads.js';
import { ORDER_LOOKUP_STATES } from '../orders/lookup-status.js';
import { countLicenseUploadsByState } from '../store/license-uploads.js';
import { countOrderLookupsByState } from '../store/order-lookups.js';
import type { Database } from '../store/schema.js';
import { countPendingBeganBefore, countRecordsByState } from '../store/usage-records.js';
import type { KgkitMetrics, MetricSources, StoreCounts } from '../telemetry/metrics.js';
import { RECORD_STATES } from '../usage/status.js';
import { AT_RISK_AGE_MS } from '../usage/windows.js';

/**
 * The queues as the database holds them, for one scrape: the three job kinds per state (the counts `kgkit orders`,
 * `kgkit license-uploads` and `kgkit usage status` show, without their listings) and the usage backlog.
 */
export async function storeCounts(db: Kysely<Database>, now: () => number): Promise<StoreCounts> {
  const [records, lookups, uploads, atRisk] = await Promise.all([
    countRecordsByState(db, {}),
    countOrderLookupsByState(db),
    countLicenseUploadsByState(db),
    countPendingBeganBefore(db, now() - AT_RISK_AGE_MS),
  ]);
  const per = <S extends string>(kind: string, states: readonly S[], counts: Map<S, number>) =>
    states.map((state) => ({ kind, state, count: counts.get(state) ?? 0 }));
  return {
    jobs: [
      ...per('order lookup', ORDER_LOOKUP_STATES, lookups),
      ...per('license upload', LICENSE_UPLOAD_STATES, uploads),
      ...per('usage record', RECORD_STATES, records),
    ],
    usageBacklog: records.get('pending') ?? 0,
    usageAtRisk: atRisk,
  };
}

/** Everything the scrape reads: this process's job runners, and the database. */
export function metricSources({
  db,
  now = Date.now,
  runners,
}: {
  db: Kysely<Database>;
  now?: () => number;
  runners: readonly ({ stats(): JobStats } | undefined)[];
}): MetricSources {
  const present = runners.filter((runner) => runner !== undefined);
  return { jobStats: () => present.map((runner) => runner.stats()), storeCounts: () => storeCounts(db, now) };
}

/** The product's provisioner with each of its calls counted while it runs (kgkit_provisioning_in_flight). */
export function countedProvisioner(provisioner: Provisioner, metrics: KgkitMetrics): Provisioner {
  const create = metrics.inFlight('create');
  const refresh = metrics.inFlight('refresh');
  const setFrozen = metrics.inFlight('setFrozen');
  const release = metrics.inFlight('release');
  const upgrade = metrics.inFlight('upgrade');
  return {
    create: (event, signal) => create(() => provisioner.create(event, signal)),
    refresh: (event, signal) => refresh(() => provisioner.refresh(event, signal)),
    setFrozen: (event: InstanceEvent & { frozen: boolean }, signal) => setFrozen(() => provisioner.setFrozen(event, signal)),
    release: (event, signal) => release(() => provisioner.release(event, signal)),
    upgrade: (event, signal) => upgrade(() => provisioner.upgrade(event, signal)),
  };
}
