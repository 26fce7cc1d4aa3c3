/**
 * `make events`: the audit trail, newest first, one JSON object a line.
 *   make events                      the last 100 calls
 *   make events INSTANCE=<id>        the calls about one instance
 *   make events ORDER=<orderId>      the calls of one order
 * Reads DATABASE_URL like the server; needs no key.
 */
import { parseArgs } from 'node:util';
import { loadStoreLocation } from '../config.js';
import { openStore } from '../store/connect.js';
import { listEvents } from '../store/events.js';

const { values } = parseArgs({ options: { instance: { type: 'string' }, order: { type: 'string' }, limit: { type: 'string', default: '100' } } });
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
  process.stderr.write('kgkit events: --limit must be an integer from 1 to 10000\n');
  process.exit(2);
}

const store = await openStore(loadStoreLocation());
try {
  const events = await listEvents(store.db, {
    limit,
    ...(values.instance ? { instanceId: values.instance } : {}),
    ...(values.order ? { orderId: values.order } : {}),
  });
  for (const event of events) {
    const { request, received_at, ...rest } = event;
    process.stdout.write(`${JSON.stringify({ receivedAt: new Date(received_at).toISOString(), ...rest, request: JSON.parse(request) as unknown })}\n`);
  }
} finally {
  await store.close();
}
