/** `kgkit usage status`: the usage records (SDRs) and their delivery to the marketplace. */
import type { UsageRecordState } from '../store/tables/usage.js';
import type { UsageStatus } from '../usage/status.js';
import { CommandError, type CommandIo, type CommandSpec, runCommand } from './command.js';
import { DATABASE_ENVIRONMENT, INSTANCE_OPTION, READ_EXIT_FAILURE, READ_OPTIONS, limitOf, stateOf, readTarget, withReadStore } from './read-store.js';
import { table, when } from './table.js';

export const USAGE = {
  name: 'usage',
  summary: 'the usage records (SDRs) kgkit seals from usage events, and their delivery to the marketplace',
  synopsis: 'status [--state pending|sent|rejected|expired] [--instance <id>] [--limit <n>] [--json] [--database <url>]',
  about: [
    'Counts per state (records pending for more than 18 days are at risk: the marketplace refuses them after 21),',
    'events whose window is still open, then the records, newest window first. Reads the database only; needs no key.',
  ],
  options: {
    state: { type: 'string', value: '<state>', help: 'only records in this state: pending, sent, rejected or expired' },
    instance: INSTANCE_OPTION,
    ...READ_OPTIONS,
  },
  positionals: true,
  environment: DATABASE_ENVIRONMENT,
  examples: ['kgkit usage status', 'kgkit usage status --state pending', 'kgkit usage status --instance b-7 --limit 500 --json'],
  failure: READ_EXIT_FAILURE,
} as const satisfies CommandSpec;

export function usageCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  return runCommand(USAGE, argv, io, async (values, { out, env }, positionals) => {
    if (positionals.length === 0) throw new CommandError('say what to show: kgkit usage status (see kgkit usage --help)');
    if (positionals[0] !== 'status') throw new CommandError(`unknown subcommand "${positionals[0]}": kgkit usage has one, status (see kgkit usage --help)`);
    if (positionals.length > 1) throw new CommandError(`unexpected argument "${positionals[1]}": see kgkit usage --help`);
    const [{ UsageMeter }, { RECORD_STATES }] = await Promise.all([import('../usage/meter.js'), import('../usage/status.js')]);
    const query = {
      limit: limitOf(values.limit),
      ...(values.state !== undefined ? { state: stateOf<UsageRecordState>(values.state, RECORD_STATES)! } : {}),
      ...(values.instance !== undefined ? { instanceId: values.instance } : {}),
    };
    const status = await withReadStore(readTarget(values.database, env), (store) => new UsageMeter({ db: store.db }).status(query));
    out(values.json ? `${JSON.stringify(status, null, 2)}\n` : statusTable(status));
    return 0;
  });
}

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
    when(record.nextAttemptAt),
    record.lastError ?? '-',
  ]);
  const columns = [
    { title: 'METERING SN', max: 36 },
    { title: 'INSTANCE', max: 40 },
    { title: 'PACKAGE', max: 40 },
    { title: 'BEGIN', max: 16 },
    { title: 'END', max: 16 },
    { title: 'VALUE', max: 20, right: true },
    { title: 'STATE', max: 18 },
    { title: 'TRIES', max: 5, right: true },
    { title: 'NEXT ATTEMPT', max: 20 },
    { title: 'LAST ERROR', max: 60 },
  ];
  return summary + table(columns, rows);
}
