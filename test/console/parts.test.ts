import { describe, expect, it } from 'vitest';
import { backTo } from '../../src/console/context.js';
import { en } from '../../src/console/i18n/en.js';
import { languageOf, translator } from '../../src/console/i18n/language.js';
import { zhCN } from '../../src/console/i18n/zh-cn.js';
import { crossSiteProblem } from '../../src/console/same-origin.js';
import { ConsoleSessions } from '../../src/console/sessions.js';
import { reasonFilter } from '../../src/console/views/refusals.js';
import { timelineOf } from '../../src/console/views/timeline.js';

describe('the message catalogues', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it('have the same keys, every message written, with the same placeholders', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const chinese = zhCN[key as keyof typeof en];
      expect(text.trim(), key).not.toBe('');
      expect(chinese.trim(), key).not.toBe('');
      expect(placeholders(chinese), key).toEqual(placeholders(text));
    }
  });

  it("use the terms of Huawei's Chinese pages", () => {
    const all = Object.values(zhCN).join('\n');
    for (const term of ['商家', '生产接口', '实例', '订单', '用量', '话单', '联营', '租户', '云商店']) expect(all).toContain(term);
  });

  it('fill the placeholders, and leave an unknown one as it is', () => {
    expect(translator('en')('paging.range', { from: 1, to: 50, total: 120 })).toBe('1–50 of 120');
    expect(translator('zh-CN')('paging.range', { from: 1, to: 50, total: 120 })).toBe('第 1–50 条，共 120 条');
    expect(translator('en')('instance.title', {})).toBe('Instance {id}');
  });
});

describe('the language of a request', () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, 'zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    [undefined, 'zh', 'zh-CN'],
    [undefined, 'zh-TW', 'zh-CN'],
    [undefined, 'en-US,zh;q=0.5', 'en'],
    [undefined, 'en;q=0.4,zh;q=0.6', 'zh-CN'],
    [undefined, 'fr-FR,zh-Hans;q=0.3', 'zh-CN'],
    [undefined, 'fr-FR,de', 'en'],
    [undefined, 'zh;q=0,en', 'en'],
    [undefined, 'zh;q=abc', 'en'],
    [undefined, ';;;,,,', 'en'],
    ['en', 'zh-CN', 'en'],
    ['zh-CN', 'en', 'zh-CN'],
    ['fr', 'zh', 'zh-CN'],
    ['ZH-cn', undefined, 'en'],
  ])('cookie %j, Accept-Language %j → %s', (cookie, accept, language) => {
    expect(languageOf(cookie, accept)).toBe(language);
  });
});

describe('where a form comes from', () => {
  it.each([
    [{ fetchSite: 'same-origin' }, undefined],
    [{ fetchSite: 'same-origin', origin: 'https://elsewhere.example' }, undefined],
    [{ origin: 'http://localhost:8080', host: 'localhost:8080' }, undefined],
    [{ origin: 'https://Console.Example.com', host: 'console.example.com' }, undefined],
    [{ fetchSite: 'same-site' }, 'another site'],
    [{ fetchSite: 'cross-site', origin: 'http://localhost:8080', host: 'localhost:8080' }, 'another site'],
    [{ fetchSite: 'none' }, 'another site'],
    [{}, 'neither'],
    [{ host: 'localhost' }, 'neither'],
    [{ origin: 'http://localhost:8081', host: 'localhost:8080' }, 'not from this site'],
    [{ origin: 'null', host: 'localhost' }, 'not a URL'],
    [{ origin: 'http://localhost.evil.example', host: 'localhost' }, 'not from this site'],
    [{ origin: 'http://localhost' }, 'not from this site'],
  ])('%j → %s', (request, problem) => {
    const found = crossSiteProblem({ host: undefined, origin: undefined, fetchSite: undefined, ...request });
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('the way back after a post', () => {
  it.each([
    ['/console/usage?state=rejected', '/console/usage?state=rejected'],
    ['/console', '/console'],
    ['/console/instances/a%20b', '/console/instances/a%20b'],
    [undefined, '/fallback'],
    ['', '/fallback'],
    ['https://evil.example/console', '/fallback'],
    ['//evil.example/console', '/fallback'],
    ['/console//evil.example', '/fallback'],
    ['/consoleevil', '/fallback'],
    ['/console/usage\r\nSet-Cookie: a=b', '/fallback'],
    ['/console/用量', '/fallback'],
    ['/sso/logout', '/fallback'],
  ])('%j → %s', (back, expected) => {
    expect(backTo(back, '/fallback')).toBe(expected);
  });
});

describe('console sessions', () => {
  it('open with 256 random bits, find by the cookie, end after their lifetime or an idle hour', () => {
    let now = 0;
    const sessions = new ConsoleSessions({ now: () => now });
    const { id } = sessions.open('token-a');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.find(id)?.token).toBe('token-a');
    expect(sessions.find(`${id}x`)).toBeUndefined();
    expect(sessions.find('x'.repeat(200))).toBeUndefined();
    now += 59 * 60_000;
    expect(sessions.find(id)).toBeDefined();
    now += 60 * 60_000;
    expect(sessions.find(id)).toBeUndefined();
  });

  it('keep at most `max`, dropping the oldest, and end every session of a token the API no longer takes', () => {
    const sessions = new ConsoleSessions({ now: () => 0, max: 2 });
    const [a, b, c] = [sessions.open('t1'), sessions.open('t2'), sessions.open('t1')];
    expect([sessions.find(a.id), sessions.find(b.id), sessions.find(c.id)].map((s) => s?.token)).toEqual([undefined, 't2', 't1']);
    sessions.closeAllOf('t1');
    expect(sessions.find(c.id)).toBeUndefined();
    expect(sessions.find(b.id)).toBeDefined();
  });
});

describe('pieces of pages', () => {
  it('turn a reason into the filter of its calls: its first line, within the contract', () => {
    expect(reasonFilter('body.expireTime must match\nsecond line')).toBe('body.expireTime must match');
    expect(reasonFilter('x'.repeat(300))).toHaveLength(255);
    expect(reasonFilter('\u0000only control')).toBeUndefined();
    expect(reasonFilter(undefined)).toBeUndefined();
  });

  it('order a timeline newest first, entries without a time last', () => {
    const entries = timelineOf({
      events: [
        {
          id: 1,
          receivedAt: '2026-11-21T01:00:00.000Z',
          family: 'saas-v2',
          activity: 'newInstance',
          test: false,
          code: '000000',
          durationMs: 1,
          request: '{}',
        },
      ],
      lookups: [{ orderId: 'CS1', orderLineId: 'CS1-1', reason: 'newInstance', state: 'pending', attempts: 0 }],
      records: [
        {
          meteringSn: 'sn',
          instanceId: 'i',
          beginTime: '20261121T010000Z',
          endTime: '20261121T020000Z',
          recordTime: '20261121T020500Z',
          usageValue: '1',
          state: 'pending',
          attempts: 0,
          atRisk: false,
        },
      ],
      uploads: [
        { eventId: 'e', instanceId: 'i', state: 'uploaded', attempts: 1, requestedAt: '2026-11-21T01:30:00.000Z', uploadedAt: '2026-11-21T03:00:00.000Z' },
      ],
    });
    expect(entries.map((e) => [e.kind, e.at])).toEqual([
      ['timeline.licenseUpload', '2026-11-21T03:00:00.000Z'],
      ['timeline.usageRecord', '2026-11-21T02:05:00.000Z'],
      ['timeline.call', '2026-11-21T01:00:00.000Z'],
      ['timeline.orderLookup', undefined],
    ]);
  });
});
