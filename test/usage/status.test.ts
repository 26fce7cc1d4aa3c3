import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usageCommand } from '../../src/cli/usage.js';
import { openStore } from '../../src/store/connect.js';
import type { UsageMeter } from '../../src/usage/meter.js';
import type { PushOutcome } from '../../src/usage/push.js';
import { wireTime } from '../../src/usage/windows.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { DAY, HOUR, MINUTE, T0, addInstance, type Clock, meterOn } from './helpers.js';

describe.each(DIALECTS)('usage status and queryInstance usage on %s', (dialect) => {
  let store: TestStore;
  let meter: UsageMeter;
  const clock: Clock = { now: 0 };

  beforeEach(async () => {
    store = await openTestStore(dialect);
    await addInstance(store.db, 'inst-a', { createdAt: T0 - DAY });
    await addInstance(store.db, 'inst-b', { createdAt: T0 - DAY });
    clock.now = T0 + 3 * HOUR;
    meter = meterOn(store.db, clock);
    await meter.record([
      { eventId: 'a0', instanceId: 'inst-a', quantity: '1.5', occurredAt: T0 + MINUTE },
      { eventId: 'a1', instanceId: 'inst-a', quantity: '2', occurredAt: T0 + HOUR + MINUTE },
      { eventId: 'a2', instanceId: 'inst-a', quantity: '0.0001', occurredAt: T0 + 2 * HOUR + 59 * MINUTE + 59_999 },
      { eventId: 'b0', instanceId: 'inst-b', quantity: '4', occurredAt: T0 + MINUTE, packageInstanceId: 'pkg-1' },
      { eventId: 'b1', instanceId: 'inst-b', quantity: '8', occurredAt: T0 + 2 * MINUTE },
    ]);
    // Deterministic metering_sns, so that the delivery order (begin_time, then sn) is known: a0, b (package), c, a1.
    const sns = ['sn-a0', 'sn-c', 'sn-b', 'sn-a1'];
    const sealer = meterOn(store.db, clock, { batchSize: 1, newMeteringSn: () => sns.shift()! });
    clock.now = T0 + 2 * HOUR + 6 * MINUTE;
    await sealer.aggregate(); // windows 0 and 1 sealed, window 2 open
    const answers: PushOutcome[] = [
      { kind: 'accepted' },
      { kind: 'refused', status: 400, code: 'MKT.9001', message: 'Instance ID not found.' },
      { kind: 'refused', status: 500, code: 'MKT.0999', message: 'System internal error.' },
    ];
    await sealer.deliver(async () => answers.shift()!);
  });
  afterEach(async () => store.dispose());

  it('counts records per state and lists them, newest window first', async () => {
    const status = await meter.status();
    expect(status).toMatchObject({ counts: { pending: 2, sent: 1, rejected: 1, expired: 0 }, atRisk: 0, openEvents: 1, unbillableEvents: 0 });
    expect(status.records.map((r) => [r.instanceId, r.packageInstanceId, r.beginTime, r.usageValue, r.state, r.attempts, r.lastCode])).toEqual([
      ['inst-a', undefined, '20260302T010000Z', '2', 'pending', 0, null],
      ['inst-a', undefined, '20260302T000000Z', '1.5', 'sent', 1, null],
      ['inst-b', undefined, '20260302T000000Z', '8', 'pending', 1, 'MKT.0999'],
      ['inst-b', 'pkg-1', '20260302T000000Z', '4', 'rejected', 1, 'MKT.9001'],
    ]);
    const pending = status.records.find((r) => r.lastCode === 'MKT.0999')!;
    expect(pending.nextAttemptAt).toBe(new Date(clock.now + 22_500).toISOString());
    expect(pending.lastError).toBe('HTTP 500 MKT.0999: System internal error.');
    expect(status.records.find((r) => r.state === 'sent')!.sentAt).toBe(new Date(clock.now).toISOString());
  });

  it('filters by state and instance, and limits the list', async () => {
    expect((await meter.status({ state: 'pending' })).records.map((r) => r.usageValue)).toEqual(['2', '8']);
    const b = await meter.status({ instanceId: 'inst-b' });
    expect(b.counts).toEqual({ pending: 1, sent: 0, rejected: 1, expired: 0 });
    expect(b.openEvents).toBe(0);
    expect(b.records).toHaveLength(2);
    expect((await meter.status({ limit: 1 })).records).toHaveLength(1);
  });

  it('serves queryInstance usage from every recorded event, sealed or not', async () => {
    const info = await meter.usageInfo(['inst-a', 'inst-b', 'pkg-1', 'nobody']);
    expect(Object.fromEntries(info)).toEqual({
      'inst-a': [{ usageValue: '3.5001', statisticalTime: '20260302025959999' }],
      'inst-b': [{ usageValue: '12', statisticalTime: '20260302000200000' }],
      'pkg-1': [{ relatedInstanceId: 'inst-b', usageValue: '4', statisticalTime: '20260302000100000' }],
      nobody: [],
    });
  });
});

describe('kgkit usage status', () => {
  const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  let dir: string;
  let env: Record<string, string>;
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await usageCommand(argv, { env, out: (text) => void (out += text), err: (text) => void (err += text) });
    return { code, out, err };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kgkit-usage-cli-'));
    env = { DATABASE_URL: `file:${join(dir, 'kgkit.sqlite')}` };
    const store = await openStore({ dialect: 'sqlite', target: join(dir, 'kgkit.sqlite') });
    // The command reads the real clock: the usage is of two hours ago.
    const clock = { now: hour + 30 * MINUTE };
    await addInstance(store.db, 'inst-a', { createdAt: hour - DAY });
    const meter = meterOn(store.db, clock);
    await meter.record([{ eventId: 'a0', instanceId: 'inst-a', quantity: '1.25', occurredAt: hour + MINUTE }]);
    clock.now = hour + HOUR + 10 * MINUTE;
    await meter.aggregate();
    await meter.deliver(async () => ({ kind: 'unreachable', message: 'timeout after 10000 ms' }));
    await store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the counts and a table of the records', async () => {
    const { code, out } = await run('status');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('pending 1  sent 0  rejected 0  expired 0  at risk 0  open events 0  unbillable events 0');
    expect(lines[1]).toMatch(/^METERING SN\s+INSTANCE\s+PACKAGE\s+BEGIN\s+END\s+VALUE\s+STATE\s+TRIES\s+NEXT ATTEMPT\s+LAST ERROR$/);
    const [begin, end, next] = [wireTime(hour), wireTime(hour + HOUR), new Date(hour + HOUR + 10 * MINUTE + 22_500).toISOString().replace(/\.\d+Z$/, 'Z')];
    expect(lines[2]).toMatch(new RegExp(`^[0-9a-f-]{36}\\s+inst-a\\s+-\\s+${begin}\\s+${end}\\s+1.25\\s+pending\\s+1\\s+${next}\\s+timeout after 10000 ms$`));
  });

  it('prints JSON with --json and filters', async () => {
    const { code, out } = await run('status', '--state', 'pending', '--instance', 'inst-a', '--limit', '5', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ counts: { pending: 1 }, records: [{ instanceId: 'inst-a', usageValue: '1.25', state: 'pending' }] });
    expect(JSON.parse((await run('status', '--state', 'sent', '--json')).out).records).toEqual([]);
    expect((await run('status', '--instance', 'nobody')).out).toMatch(/no usage records/);
  });

  it.each([
    [[], /^kgkit usage: say what to show: kgkit usage status \(see kgkit usage --help\)\n$/],
    [['list'], /^kgkit usage: unknown subcommand "list": kgkit usage has one, status/],
    [['status', '--state', 'lost'], /--state must be one of pending, sent, rejected, expired/],
    [['status', '--limit', '0'], /--limit must be an integer from 1 to 10000/],
    [['status', '--limit', 'ten'], /--limit must be an integer/],
    [['status', '--colour'], /^kgkit usage: unknown option --colour: see kgkit usage --help\n$/],
  ])('answers %j with exit code 2 and a clear message', async (argv, message) => {
    const { code, err, out } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });

  it('refuses a bad DATABASE_URL with exit code 2', async () => {
    env = { DATABASE_URL: 'mysql://x' };
    const { code, err } = await run('status');
    expect(code).toBe(2);
    expect(err).toMatch(/DATABASE_URL/);
  });
});
