/** `kgkit events`: the audit trail of the marketplace's calls, newest first. */
import type { StoredEvent } from '../store/events.js';
import { type CommandIo, type CommandSpec, runCommand } from './command.js';
import { DATABASE_ENVIRONMENT, INSTANCE_OPTION, ORDER_OPTION, READ_EXIT_FAILURE, READ_OPTIONS, limitOf, readTarget, withReadStore } from './read-store.js';
import { table, when } from './table.js';

export const EVENTS = {
  name: 'events',
  summary: 'the audit trail: every call of the marketplace that reached kgkit, with its result code, newest first',
  synopsis: '[--instance <id>] [--order <id>] [--limit <n>] [--json] [--database <url>]',
  about: [
    'One row a call: when it came, its family and activity, the instance and order it was about, whether it was a',
    'debug call (testFlag), the result code and message kgkit answered, and how long it took. --json adds each',
    'request body as received. Reads the database only; needs no key.',
  ],
  options: { instance: INSTANCE_OPTION, order: ORDER_OPTION, ...READ_OPTIONS },
  environment: DATABASE_ENVIRONMENT,
  examples: ['kgkit events', 'kgkit events --instance b-7', 'kgkit events --order CS2408190938C7K8E --limit 10 --json'],
  failure: READ_EXIT_FAILURE,
} as const satisfies CommandSpec;

export function eventsCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  return runCommand(EVENTS, argv, io, async (values, { out, env }) => {
    const { listEvents } = await import('../store/events.js');
    const query = {
      limit: limitOf(values.limit),
      ...(values.instance !== undefined ? { instanceId: values.instance } : {}),
      ...(values.order !== undefined ? { orderId: values.order } : {}),
    };
    const events = await withReadStore(readTarget(values.database, env), (store) => listEvents(store.db, query));
    if (values.json) return (out(`${JSON.stringify({ events: events.map(eventView) }, null, 2)}\n`), 0);
    if (events.length === 0) return (out('no calls recorded\n'), 0);
    const rows = events.map((event) => [
      when(event.received_at),
      event.family,
      event.activity,
      event.instance_id ?? '-',
      event.order_id ?? '-',
      Number(event.test_flag) === 1 ? 'test' : '',
      event.result_code,
      String(event.duration_ms),
      event.result_msg ?? '-',
    ]);
    out(
      table(
        [
          { title: 'RECEIVED', max: 20 },
          { title: 'FAMILY', max: 14 },
          { title: 'ACTIVITY', max: 24 },
          { title: 'INSTANCE', max: 40 },
          { title: 'ORDER', max: 40 },
          { title: 'TEST', max: 4 },
          { title: 'CODE', max: 8 },
          { title: 'MS', max: 6, right: true },
          { title: 'MESSAGE', max: 60 },
        ],
        rows,
      ),
    );
    return 0;
  });
}

/** One call as --json shows it: names as in the kgkit API, the request as received. */
function eventView(event: StoredEvent) {
  return {
    id: event.id,
    receivedAt: new Date(event.received_at).toISOString(),
    family: event.family,
    activity: event.activity,
    orderId: event.order_id,
    orderLineId: event.order_line_id,
    instanceId: event.instance_id,
    testFlag: Number(event.test_flag) === 1,
    resultCode: event.result_code,
    resultMsg: event.result_msg,
    durationMs: event.duration_ms,
    request: requestOf(event.request),
  };
}

function requestOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
