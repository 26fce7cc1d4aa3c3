/** `kgkit orders` and `kgkit license-uploads`: what kgkit looks up and uploads to the marketplace, and its state. */
import { parseArgs } from 'node:util';
import { loadStoreLocation } from '../config.js';
import { type LicenseUploadState, licenseUploadStatus } from '../license-uploads/license-uploads.js';
import { type OrderLookupState, orderLookupStatus } from '../orders/lookup-status.js';
import { openStore } from '../store/connect.js';

const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? '' : new Date(ms).toISOString());

function limitOf(raw: string | undefined): number | undefined {
  const limit = Number(raw ?? '100');
  return Number.isInteger(limit) && limit >= 1 && limit <= 10_000 ? limit : undefined;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function ordersCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { state: { type: 'string' }, order: { type: 'string' }, instance: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  });
  const limit = limitOf(values.limit);
  if (limit === undefined || (values.state && !['pending', 'found', 'failed'].includes(values.state))) {
    process.stderr.write('kgkit orders: --state is pending, found or failed; --limit an integer from 1 to 10000\n');
    return 2;
  }
  const store = await openStore(loadStoreLocation());
  try {
    const filter = {
      limit,
      ...(values.state ? { state: values.state as OrderLookupState } : {}),
      ...(values.order ? { orderId: values.order } : {}),
      ...(values.instance ? { instanceId: values.instance } : {}),
    };
    const { counts, items: lookups } = await orderLookupStatus(store.db, filter);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ counts, lookups })}\n`);
      return 0;
    }
    process.stdout.write(`order lookups: ${counts.pending} pending, ${counts.found} found, ${counts.failed} failed\n`);
    if (lookups.length > 0) {
      const lines = lookups.map((l) => [
        l.orderId,
        l.orderLineId,
        l.instanceId ?? '',
        l.state,
        String(l.attempts),
        l.order?.chargingMode ?? '',
        l.order?.productId ?? '',
        l.lastCode ?? '',
        time(l.nextAttemptAt ?? l.foundAt),
        (l.lastError ?? '').slice(0, 60),
      ]);
      process.stdout.write(`${table([['ORDER', 'LINE', 'INSTANCE', 'STATE', 'TRIES', 'CHARGING', 'PRODUCT', 'CODE', 'NEXT/FOUND', 'ERROR'], ...lines])}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

export async function licenseUploadsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
  const limit = limitOf(values.limit);
  if (limit === undefined || (values.state && !['pending', 'uploaded', 'rejected', 'skipped'].includes(values.state))) {
    process.stderr.write('kgkit license-uploads: --state is pending, uploaded, rejected or skipped; --limit an integer from 1 to 10000\n');
    return 2;
  }
  const store = await openStore(loadStoreLocation());
  try {
    const { counts, items: uploads } = await licenseUploadStatus(store.db, { limit, ...(values.state ? { state: values.state as LicenseUploadState } : {}) });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ counts, uploads })}\n`);
      return 0;
    }
    process.stdout.write(`license uploads: ${counts.pending} pending, ${counts.uploaded} uploaded, ${counts.rejected} rejected, ${counts.skipped} skipped\n`);
    if (uploads.length > 0) {
      const lines = uploads.map((u) => [
        u.eventId,
        u.instanceId,
        u.state,
        String(u.attempts),
        u.code ?? '',
        time(u.state === 'pending' ? u.nextAttemptAt : u.uploadedAt),
        (u.error ?? '').slice(0, 60),
      ]);
      process.stdout.write(`${table([['EVENT', 'INSTANCE', 'STATE', 'TRIES', 'CODE', 'NEXT/UPLOADED', 'ERROR'], ...lines])}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
