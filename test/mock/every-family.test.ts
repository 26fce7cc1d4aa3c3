import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleContract } from '../../scripts/contract.js';
import { FAMILY_ORDER } from '../../scripts/family-order.js';
import { type Mock, startMock } from '../../scripts/mock.js';
import { freePort } from '../support/ports.js';

// `make mock` serves every contract: each family's Prism loads its contract and validates requests against it. A
// request that misses every required part must come back 422 with the violations in `sl-violations`.
const FAMILIES = FAMILY_ORDER;
// kgkit's own API is bearer-authenticated: Prism checks that before the body.
const CREDENTIALS: Record<string, Record<string, string>> = { kgkit: { authorization: 'Bearer mock-token-for-prism' } };

describe('make mock serves every contract', () => {
  const mocks: Mock[] = [];
  const bases = new Map<string, string>();
  beforeAll(async () => {
    // Every start is awaited, failed or not, so that afterAll closes each mock that did start.
    const started = await Promise.allSettled(
      FAMILIES.map(async (family) => {
        const port = await freePort();
        mocks.push(await startMock({ family, port, prismPort: await freePort() }));
        bases.set(family, `http://127.0.0.1:${port}`);
      }),
    );
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 120_000);
  afterAll(async () => Promise.all(mocks.map((mock) => mock.close())));

  it.each(FAMILIES)('%s: an empty request to its first operation is refused with the violations', async (family) => {
    const document = (await bundleContract(family)) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const [path, item] = Object.entries(document.paths)[0]!;
    const method = Object.keys(item).find((m) => ['get', 'post'].includes(m))!;
    const response = await fetch(`${bases.get(family)}${path.replace(/\{[^}]+\}/g, 'x')}`, {
      method: method.toUpperCase(),
      headers: {
        ...CREDENTIALS[family],
        ...(method === 'post' ? { 'content-type': item[method]?.requestBody ? 'application/json' : 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'post' ? { body: '{}' } : {}),
    });
    expect(response.status).toBe(422);
    expect(JSON.parse(response.headers.get('sl-violations') ?? '[]').length).toBeGreaterThan(0);
  });
});
