import { describe, expect, it } from 'vitest';
import { builtinProvisioner, newPassword, shortId } from '../../src/provisioning/builtin-provisioner.js';

describe('builtin provisioner', () => {
  const signal = new AbortController().signal;
  it('fills the templates and issues a fresh password', async () => {
    const p = builtinProvisioner({
      frontEndUrl: 'https://app.example.com/t/{instanceId}?o={orderId}',
      adminUrl: 'https://admin.example.com/{shortId}',
      memo: 'order {orderId}',
    });
    const a = await p.create({ instanceId: '87b94795-0603-4e24', orderId: 'CS1', test: false }, signal);
    const b = await p.create({ instanceId: '87b94795-0603-4e24', orderId: 'CS1', test: false }, signal);
    expect(a).toMatchObject({
      state: 'ready',
      appInfo: {
        frontEndUrl: 'https://app.example.com/t/87b94795-0603-4e24?o=CS1',
        adminUrl: 'https://admin.example.com/uwir5gi4uter',
        userName: 'admin_uwir5gi4uter',
        memo: 'order CS1',
      },
    });
    expect(a.state === 'ready' && b.state === 'ready' && a.appInfo.password !== b.appInfo.password).toBe(true);
  });

  // Expected values from Python: base64.b32encode(hashlib.sha256(id.encode()).digest())[:12].lower().
  it("names each instance's administrator distinctly, even when the IDs share a long prefix", async () => {
    const p = builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' });
    const names = await Promise.all(
      ['order-2026-0001', 'order-2026-0002'].map(async (instanceId) => {
        const result = await p.create({ instanceId, test: false }, signal);
        return result.state === 'ready' ? result.appInfo.userName : undefined;
      }),
    );
    expect(names).toEqual(['admin_aehcwrsaorek', 'admin_yc37aclsf65q']);
    const many = new Set(Array.from({ length: 20_000 }, (_, i) => shortId(`order-2026-${String(i).padStart(6, '0')}`)));
    expect(many.size).toBe(20_000);
  });

  it('URL-encodes IDs placed in URLs', async () => {
    const p = builtinProvisioner({ frontEndUrl: 'https://app.example.com/t/{instanceId}' });
    expect(await p.create({ instanceId: 'a/b?c', test: false }, signal)).toMatchObject({ appInfo: { frontEndUrl: 'https://app.example.com/t/a%2Fb%3Fc' } });
  });

  it('makes 16-character passwords with upper, lower and digits', () => {
    for (let i = 0; i < 200; i++) expect(newPassword()).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]{16}$/);
  });

  it('refuses to start without a frontEndUrl template', () => expect(() => builtinProvisioner({ frontEndUrl: '' })).toThrow(/frontEndUrl/));
});
