import { createHmac } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/instances/lifecycle.js';
import { forwardingChangePolicy, forwardingProvisioner } from '../../src/provisioning/forwarding-provisioner.js';
import { ProvisioningRefusal } from '../../src/instances/provisioner.js';
import { SqlInstanceRepository } from '../../src/store/instances.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { TEST_DATA_KEYS } from '../support/server.js';

const SECRET = 'seller-app-shared-secret';
type Reply = (body: Record<string, unknown>, res: ServerResponse) => unknown;

// A stand-in for the seller's application, on loopback: it checks kgkit's signature and answers as told.
describe('forwarding provisioner', () => {
  let reply: Reply = (_body, res) => res.writeHead(200).end('{}');
  const received: { body: Record<string, unknown>; signatureValid: boolean }[] = [];
  const app = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const expected = createHmac('sha256', SECRET).update(`${req.headers['x-kgkit-timestamp']}.${text}`).digest('hex');
      const body = JSON.parse(text) as Record<string, unknown>;
      received.push({ body, signatureValid: expected === req.headers['x-kgkit-signature'] });
      void reply(body, res);
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/kgkit-events`;
  });
  afterAll(async () => new Promise<void>((resolve) => app.close(() => resolve())));
  afterEach(() => {
    received.length = 0;
  });

  const provisioner = () => forwardingProvisioner({ url, secret: SECRET, timeoutMs: 2_000 });
  const signal = () => new AbortController().signal;
  const event = { instanceId: 'i-1', orderId: 'CS1', orderLineId: 'CS1-000001', test: false };

  it('posts a signed create and takes the appInfo of a 200', async () => {
    reply = (_b, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ appInfo: { frontEndUrl: 'https://t.example.com', userName: 'root', password: 'pw' } }));
    expect(await provisioner().create(event, signal())).toEqual({
      state: 'ready',
      appInfo: { frontEndUrl: 'https://t.example.com', userName: 'root', password: 'pw' },
    });
    expect(received).toEqual([{ body: { event: 'create', instanceId: 'i-1', orderId: 'CS1', orderLineId: 'CS1-000001', test: false }, signatureValid: true }]);
  });

  it('reads 202 as "still working"', async () => {
    reply = (_b, res) => res.writeHead(202).end();
    expect(await provisioner().create(event, signal())).toEqual({ state: 'pending' });
  });

  it('passes on a documented refusal and fails on anything else', async () => {
    reply = (_b, res) => res.writeHead(409).end(JSON.stringify({ resultCode: '000102', resultMsg: 'e-mail already exists' }));
    await expect(provisioner().create(event, signal())).rejects.toEqual(new ProvisioningRefusal('000102', 'e-mail already exists'));
    reply = (_b, res) => res.writeHead(409).end(JSON.stringify({ resultCode: '000000' }));
    await expect(provisioner().create(event, signal())).rejects.toThrow(/HTTP 409/);
    reply = (_b, res) => res.writeHead(500).end('stack trace here');
    await expect(provisioner().refresh({ ...event, scene: 'RENEWAL', expiresAt: 0 }, signal())).rejects.toThrow(/HTTP 500/);
  });

  it.each([
    ['no appInfo', {}],
    ['no frontEndUrl', { appInfo: { userName: 'x' } }],
    ['frontEndUrl over 512 characters', { appInfo: { frontEndUrl: `https://${'x'.repeat(510)}` } }],
    ['password not a string', { appInfo: { frontEndUrl: 'https://t', password: 12 } }],
  ])('refuses an answer with %s (it would break the marketplace contract)', async (_name, answer) => {
    reply = (_b, res) => res.writeHead(200).end(JSON.stringify(answer));
    await expect(provisioner().create(event, signal())).rejects.toThrow(/appInfo/);
  });

  it('forwards every lifecycle event with its details', async () => {
    reply = (_b, res) => res.writeHead(204).end();
    const p = provisioner();
    await p.refresh({ ...event, scene: 'RENEWAL', expiresAt: Date.UTC(2027, 0, 1), productId: 'P2' }, signal());
    await p.setFrozen({ ...event, frozen: true }, signal());
    await p.setFrozen({ ...event, frozen: false }, signal());
    await p.upgrade(event, signal());
    await p.release(event, signal());
    expect(received.map((r) => r.body.event)).toEqual(['refresh', 'freeze', 'unfreeze', 'upgrade', 'release']);
    expect(received[0]!.body).toMatchObject({ scene: 'RENEWAL', expiresAt: '2027-01-01T00:00:00.000Z', productId: 'P2' });
    expect(received.every((r) => r.signatureValid)).toBe(true);
  });

  it('asks the application about a renewal change: 200 allows, a 000100 refusal refuses, anything else fails', async () => {
    const policy = forwardingChangePolicy({ url, secret: SECRET, timeoutMs: 2_000 });
    const check = { instanceId: 'i-1', productInfo: { skuCode: 'small', linearValue: '5' }, test: false };
    reply = (_b, res) => res.writeHead(200).end('{}');
    expect(await policy(check)).toEqual({ allowed: true });
    expect(received[0]).toEqual({ body: { event: 'changeCheck', ...check }, signatureValid: true });
    reply = (_b, res) => res.writeHead(422).end(JSON.stringify({ resultCode: '000100', resultMsg: 'too many users for that size' }));
    expect(await policy(check)).toEqual({ allowed: false, reason: 'too many users for that size' });
    reply = (_b, res) => res.writeHead(503).end();
    await expect(policy(check)).rejects.toThrow(/HTTP 503/);
  });

  it.each([
    [{ url: 'ftp://x', secret: SECRET }, /url/],
    [{ url: 'http://x', secret: 'short' }, /secret/],
  ])('refuses bad options at start-up: %o', (options, message) => expect(() => forwardingProvisioner(options)).toThrow(message));

  describe('inside the lifecycle (the marketplace 5 s budget)', () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await openTestStore('sqlite');
    });
    afterAll(async () => store.dispose());

    it('answers 000004 when the application is slower than the budget, and records its answer when it comes', async () => {
      reply = async (_b, res) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        res.writeHead(200).end(JSON.stringify({ appInfo: { frontEndUrl: 'https://slow.example.com' } }));
      };
      const repo = new SqlInstanceRepository(store.db, TEST_DATA_KEYS);
      const lifecycle = new InstanceLifecycle({ repository: repo, provisioner: provisioner(), budgetMs: 100 });
      expect(await lifecycle.create({ orderId: 'SLOW1', orderLineId: 'SLOW1-1', businessId: 'slow-1', test: false })).toEqual({
        code: '000004',
        instanceId: 'slow-1',
      });
      await lifecycle.settle();
      expect(await repo.findById('slow-1')).toMatchObject({ status: 'ACTIVE', appInfo: { frontEndUrl: 'https://slow.example.com' } });
    });
  });
});
