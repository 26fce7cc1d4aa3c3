/** `kgkit orders` and `kgkit license-uploads`: what kgkit looks up and uploads to the marketplace, and its state. */
import { type CommandIo, type CommandSpec, runCommand } from './command.js';
import {
  DATABASE_ENVIRONMENT,
  INSTANCE_OPTION,
  ORDER_OPTION,
  READ_EXIT_FAILURE,
  READ_OPTIONS,
  limitOf,
  stateOf,
  readTarget,
  withReadStore,
} from './read-store.js';
import { table, when } from './table.js';

export const ORDERS = {
  name: 'orders',
  summary: 'the order lookups (Query Order) kgkit makes for every created, upgraded or notified order line',
  synopsis: '[--state pending|found|failed] [--order <id>] [--instance <id>] [--limit <n>] [--json] [--database <url>]',
  about: [
    'Counts per state, then the lookups, most recently changed first: what was found (charging mode, product),',
    'or why the last try failed and when the next one is. Reads the database only; needs no key.',
  ],
  options: {
    state: { type: 'string', value: '<state>', help: 'only lookups in this state: pending, found or failed' },
    order: ORDER_OPTION,
    instance: INSTANCE_OPTION,
    ...READ_OPTIONS,
  },
  environment: DATABASE_ENVIRONMENT,
  examples: ['kgkit orders', 'kgkit orders --state failed', 'kgkit orders --order CS2408190938C7K8E --json'],
  failure: READ_EXIT_FAILURE,
} as const satisfies CommandSpec;

export function ordersCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  return runCommand(ORDERS, argv, io, async (values, { out, env }) => {
    const { ORDER_LOOKUP_STATES, orderLookupStatus } = await import('../orders/lookup-status.js');
    const filter = {
      limit: limitOf(values.limit),
      ...(values.state !== undefined ? { state: stateOf(values.state, ORDER_LOOKUP_STATES)! } : {}),
      ...(values.order !== undefined ? { orderId: values.order } : {}),
      ...(values.instance !== undefined ? { instanceId: values.instance } : {}),
    };
    const { counts, items: lookups } = await withReadStore(readTarget(values.database, env), (store) => orderLookupStatus(store.db, filter));
    if (values.json) return (out(`${JSON.stringify({ counts, lookups }, null, 2)}\n`), 0);
    out(`order lookups: ${counts.pending} pending, ${counts.found} found, ${counts.failed} failed\n`);
    if (lookups.length === 0) return (out('no order lookups\n'), 0);
    const rows = lookups.map((l) => [
      l.orderId,
      l.orderLineId,
      l.instanceId ?? '-',
      l.state,
      String(l.attempts),
      l.order?.chargingMode ?? '-',
      l.order?.productId ?? '-',
      l.lastCode ?? '-',
      when(l.nextAttemptAt ?? l.foundAt),
      l.lastError ?? '-',
    ]);
    out(
      table(
        [
          { title: 'ORDER', max: 40 },
          { title: 'LINE', max: 44 },
          { title: 'INSTANCE', max: 40 },
          { title: 'STATE', max: 7 },
          { title: 'TRIES', max: 5, right: true },
          { title: 'CHARGING', max: 12 },
          { title: 'PRODUCT', max: 24 },
          { title: 'CODE', max: 12 },
          { title: 'NEXT/FOUND', max: 20 },
          { title: 'ERROR', max: 60 },
        ],
        rows,
      ),
    );
    return 0;
  });
}

export const LICENSE_UPLOADS = {
  name: 'license-uploads',
  summary: 'the Licenses kgkit uploads to the marketplace for getLicenseAsync, and their state',
  synopsis: '[--state pending|uploaded|rejected|skipped] [--limit <n>] [--json] [--database <url>]',
  about: [
    'Counts per state, then the uploads, newest application first: the code and error of the last try and when the',
    'next one is. Reads the database only; needs no key.',
  ],
  options: {
    state: { type: 'string', value: '<state>', help: 'only uploads in this state: pending, uploaded, rejected or skipped' },
    ...READ_OPTIONS,
  },
  environment: DATABASE_ENVIRONMENT,
  examples: ['kgkit license-uploads', 'kgkit license-uploads --state rejected --json'],
  failure: READ_EXIT_FAILURE,
} as const satisfies CommandSpec;

export function licenseUploadsCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  return runCommand(LICENSE_UPLOADS, argv, io, async (values, { out, env }) => {
    const { LICENSE_UPLOAD_STATES, licenseUploadStatus } = await import('../license-uploads/license-uploads.js');
    const filter = { limit: limitOf(values.limit), ...(values.state !== undefined ? { state: stateOf(values.state, LICENSE_UPLOAD_STATES)! } : {}) };
    const { counts, items: uploads } = await withReadStore(readTarget(values.database, env), (store) => licenseUploadStatus(store.db, filter));
    if (values.json) return (out(`${JSON.stringify({ counts, uploads }, null, 2)}\n`), 0);
    out(`license uploads: ${counts.pending} pending, ${counts.uploaded} uploaded, ${counts.rejected} rejected, ${counts.skipped} skipped\n`);
    if (uploads.length === 0) return (out('no license uploads\n'), 0);
    const rows = uploads.map((u) => [
      u.eventId,
      u.instanceId,
      u.state,
      String(u.attempts),
      u.code ?? '-',
      when(u.state === 'pending' ? u.nextAttemptAt : u.uploadedAt),
      u.error ?? '-',
    ]);
    out(
      table(
        [
          { title: 'EVENT', max: 40 },
          { title: 'INSTANCE', max: 40 },
          { title: 'STATE', max: 8 },
          { title: 'TRIES', max: 5, right: true },
          { title: 'CODE', max: 12 },
          { title: 'NEXT/UPLOADED', max: 20 },
          { title: 'ERROR', max: 60 },
        ],
        rows,
      ),
    );
    return 0;
  });
}
