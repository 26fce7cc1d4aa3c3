import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleWorld, SEEDED, consoleWorld, seed } from '../support/console-world.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/stores.js';
import { type ConsoleClient, signedIn } from './client.js';

/** Every page, with the heading it has in each language. */
const PAGES: [string, string, string][] = [
  ['/console/instances', '<h1>Instances</h1>', '<h1>实例</h1>'],
  ['/console/usage', '<h1>Usage records</h1>', '<h1>用量话单</h1>'],
  ['/console/usage?state=sent', '<h2>Sent</h2>', '<h2>已推送</h2>'],
  ['/console/license-uploads', '<h1>License uploads</h1>', '<h1>License 上传</h1>'],
  ['/console/directory', '<h1>Joint-operation Kit directory</h1>', '<h1>联营 Kit 租户目录</h1>'],
  ['/console/refusals', '<h1>Refused calls</h1>', '<h1>被拒绝的调用</h1>'],
  ['/console/calls', '<h1>Audit trail</h1>', '<h1>调用记录</h1>'],
  [`/console/instances/${SEEDED.payPerUse}`, 'Instance ', '实例 '],
  [`/console/directory/tenant?instanceId=${SEEDED.kitInstance}&tenantId=${SEEDED.tenantId}`, '<h1>', '<h1>'],
];
const LANGUAGES = [
  ['en', 'en-GB,en;q=0.9', 1],
  ['zh-CN', 'zh-CN,zh;q=0.9', 2],
] as const;

describe.each(DIALECTS)('console pages on %s', (dialect) => {
  let store: TestStore;
  let world: ConsoleWorld;
  let client: ConsoleClient;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    world = consoleWorld(store);
    client = await signedIn(world.app);
  });
  afterAll(async () => store.dispose());

  describe.each(LANGUAGES)('in %s', (lang, acceptLanguage, heading) => {
    it.each(PAGES)('renders %s for an empty store', async (path, ...headings) => {
      const html = await client.text(path, 200, { 'accept-language': acceptLanguage });
      expect(html).toMatch(/^<!DOCTYPE html><html lang="(en|zh-CN)">/);
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(headings[heading - 1]);
      if (!path.includes('/instances/') && !path.includes('/tenant')) expect(html).toContain(lang === 'en' ? 'Nothing to show.' : '暂无数据。');
      expect(html).not.toMatch(/<script/i);
    });
  });

  describe('with a filled store', () => {
    beforeAll(async () => {
      await seed(world);
      // The seed moved the clock on by hours: the first session is over.
      client = await signedIn(world.app);
    });

    it.each(LANGUAGES)('renders every page in %s', async (lang, acceptLanguage, heading) => {
      for (const [path, ...headings] of PAGES) {
        const html = await client.text(path, 200, { 'accept-language': acceptLanguage });
        expect(html).toContain(`<html lang="${lang}">`);
        expect(html).toContain(headings[heading - 1]);
      }
    });

    it('lists the instances with their state, order, product, expiry and frozen flag, filtered', async () => {
      const html = await client.text('/console/instances');
      for (const id of [SEEDED.payPerUse, SEEDED.yearly, SEEDED.frozen, SEEDED.released]) expect(html).toContain(`href="/console/instances/${id}"`);
      expect(html).toContain('OFFI820112655598186496');
      expect(html).toContain('<time datetime="2027-11-21T01:00:00.000Z">2027-11-21 01:00:00</time>');
      expect(html).toContain('<span class="badge warn">Frozen</span>');
      const released = await client.text('/console/instances?state=released&orderId=&instanceId=');
      expect(released).toContain(`href="/console/instances/${SEEDED.released}"`);
      expect(released).not.toContain(`href="/console/instances/${SEEDED.yearly}"`);
      expect(await client.text('/console/instances', 200, { 'accept-language': 'zh' })).toContain(
        '<span class="badge off" data-state="released">已释放</span>',
      );
    });

    it("shows one instance's usage chart and its timeline of calls, order lookups, usage records and License uploads", async () => {
      const payPerUse = await client.text(`/console/instances/${SEEDED.payPerUse}`);
      expect(payPerUse.match(/<rect class="bar-/g)).toHaveLength(10);
      expect(payPerUse.match(/<rect class="bar-sent"/g)).toHaveLength(8);
      expect(payPerUse).toContain('<svg viewBox="0 0 640 160"');
      expect(payPerUse).toContain('saas-v2 newInstance');
      expect(payPerUse).toContain('MKT.9001');
      const yearly = await client.text(`/console/instances/${SEEDED.yearly}`);
      for (const text of ['saas-v2 refreshInstance', 'Order lookup', 'License upload', 'lic-evt-0001', SEEDED.refusedReason, 'No usage record yet.'])
        expect(yearly).toContain(text);
      expect(await client.text('/console/instances/nope-9')).toContain('There is no instance nope-9.');
    });

    it('shows the backlog and the failed deliveries with retry now and give up, and acts on them', async () => {
      const html = await client.text('/console/usage');
      const [backlog, failed] = html.split('<h2>Failed deliveries: refused, or given up</h2>');
      expect(backlog).toContain('MKT.0999');
      expect(backlog).toContain('Give up');
      expect(failed).toContain('MKT.9001');
      expect(failed).toContain('Retry now');
      expect(failed).not.toContain('Give up');
      const rejected = /data-metering-sn="([^"]+)"/.exec(failed!)![1]!;
      const pending = /data-metering-sn="([^"]+)"/.exec(backlog!)![1]!;

      const retried = await client.post('/console/usage/retry', { meteringSn: rejected, back: '/console/usage?state=pending' });
      expect([retried.status, retried.headers.get('location')]).toEqual([303, '/console/usage?state=pending']);
      const after = await client.text('/console/usage?state=pending');
      expect(after).toContain(`Record ${rejected} is due now; it is still pending.`);
      expect(await client.text('/console/usage?state=pending')).not.toContain('is due now');

      await client.post('/console/usage/give-up', { meteringSn: pending, back: '/console/usage' });
      const gaveUp = await client.text('/console/usage', 200, { 'accept-language': 'zh-CN' });
      expect(gaveUp).toContain(`已放弃话单 ${pending}`);
      expect(gaveUp).toContain('GIVEN_UP');
      await client.post('/console/usage/give-up', { meteringSn: pending, back: '/console/usage' });
      expect(await client.text('/console/usage')).toContain(`Record ${pending} was left as it was: it is rejected, not pending: there is nothing to stop.`);
      await client.post('/console/usage/retry', { meteringSn: 'no-such-record', back: '/console/usage' });
      expect(await client.text('/console/usage')).toContain('There is no record no-such-record.');
    });

    it('shows the License uploads and the Kit directory with its org tree', async () => {
      expect(await client.text('/console/license-uploads')).toContain('lic-evt-0001');
      const directory = await client.text('/console/directory');
      expect(directory).toContain('huaiweitest');
      const tenant = await client.text(`/console/directory/tenant?instanceId=${SEEDED.kitInstance}&tenantId=${SEEDED.tenantId}`);
      for (const text of ['client-0001', 'user0000', 'user0002', '总部', '研发部']) expect(tenant).toContain(text);
      expect(tenant).toMatch(/<ul class="tree"><li>总部 <span class="mono off">10000<\/span><ul><li>研发部/);
      expect(await client.text(`/console/directory/tenant?instanceId=&tenantId=${SEEDED.tenantId}`)).toContain('There is no tenant');
    });

    it('finds a refused call by its reason, from the group to the call', async () => {
      const refusals = await client.text(`/console/refusals?reason=${SEEDED.refusedReason}&days=7`);
      expect(refusals).toContain('Refused calls in this period: 1.');
      const link = /<a href="(\/console\/calls\?[^"]+)">Show the calls<\/a>/.exec(refusals)![1]!.replaceAll('&amp;', '&');
      expect(link).toContain('outcome=refused');
      const calls = await client.text(link);
      expect(calls).toContain(`href="/console/instances/${SEEDED.yearly}"`);
      expect(calls.match(/<tr>/g)).toHaveLength(2);
      expect(await client.text('/console/refusals?days=1', 200, { 'accept-language': 'zh-CN' })).toContain('此期间被拒绝的调用：2 次。');
    });

    it.each([
      ['/console/instances?state=gone', 'state must be equal to one of the allowed values'],
      ['/console/instances?offset=-5', 'offset must match pattern'],
      ['/console/calls?reason=%0A', 'reason must match pattern'],
      ['/console/refusals?days=0', 'days must match pattern'],
      ['/console/instances/a%20b', 'instanceId must match pattern'],
    ])('answers the filter %s with the API refusal (HTTP 400), not a stack trace', async (path, reason) => {
      const html = await client.text(path, 400);
      expect(html).toContain('The kgkit API refused the request (000002)');
      expect(html).toContain(reason);
    });
  });
});
