/**
 * `kgkit usage status`: the usage records (SDRs) and their delivery to the marketplace.
 *   kgkit usage status                         counts per state, then the newest 100 records
 *   kgkit usage status --state pending         only the records in one state (pending, sent, rejected, expired)
 *   kgkit usage status --instance <id>         only one instance's records (and counts)
 *   kgkit usage status --limit 500 --json      more records, as one JSON object
 * Reads DATABASE_URL like the server; needs no key.
 */
import { parseArgs } from 'node:util';
import { loadStoreLocation } from '../config.js';
import { openStore } from '../store/connect.js';
import type { UsageRecordState } from '../store/tables/usage.js';
import { UsageMeter } from '../usage/meter.js';
import { RECORD_STATES, type UsageStatus } from '../usage/status.js';

export interface UsageCommandIo {
  env?: Record<string, string | undefined>;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const HELP = 'usage: kgkit usage status [--state pending|sent|rejected|expired] [--instance <id>] [--limit 1..10000] [--json]\n';

export async function usageCommand(argv: string[], io: UsageCommandIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        state: { type: 'string' },
        instance: { type: 'string' },
        limit: { type: 'string', default: '100' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    err(`kgkit usage: ${(error as Error).message}\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'status') return (err(HELP), 2);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return (err('kgkit usage: --limit must be an integer from 1 to 10000\n'), 2);
  if (values.state !== undefined && !RECORD_STATES.includes(values.state as UsageRecordState)) {
    return (err(`kgkit usage: --state must be one of ${RECORD_STATES.join(', ')}\n`), 2);
  }

  let location;
  try {
    location = loadStoreLocation(io.env);
  } catch (error) {
    return (err(`kgkit usage: ${(error as Error).message}\n`), 2);
  }
  const store = await openStore(location);
  try {
    const status = await new UsageMeter({ db: store.db }).status({
      limit,
      ...(values.state === undefined ? {} : { state: values.state as UsageRecordState }),
      ...(values.instance === undefined ? {} : { instanceId: values.instance }),
    });
    out(values.json ? `${JSON.stringify(status, null, 2)}\n` : statusTable(status));
    return 0;
  } finally {
    await store.close();
  }
}

const COLUMNS = ['METERING SN', 'INSTANCE', 'PACKAGE', 'BEGIN', 'END', 'VALUE', 'STATE', 'TRIES', 'NEXT ATTEMPT', 'LAST ERROR'];

function statusTable(status: UsageStatus): string {
  const { counts } = status;
  const summary =
    `pending ${counts.pending}  sent ${counts.sent}  rejected ${counts.rejected}  expired ${counts.expired}  ` +
    `at risk ${status.atRisk}  open events ${status.openEvents}  unbillable events ${status.unbillableEvents}\n`;
  if (status.records.length === 0) return `${summary}no usage records\n`;
  const rows = status.records.map((record) => [
    record.meteringSn,
    record.instanceId,
    record.packageInstanceId ?? '-',
    record.beginTime,
    record.endTime,
    record.usageValue,
    record.atRisk ? `${record.state} (at risk)` : record.state,
    String(record.attempts),
    record.nextAttemptAt ?? '-',
    record.lastError ?? '-',
  ]);
  const widths = COLUMNS.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `${cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}\n`;
  return summary + line(COLUMNS) + rows.map(line).join('');
}
