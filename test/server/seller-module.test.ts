import { describe, expect, it } from 'vitest';
import { loadProvisionerModule } from '../../src/server/seller-module.js';

const fixture = (name: string) => new URL(`../fixtures/provisioners/${name}`, import.meta.url).pathname;

describe("the seller's module (PROVISIONER=module)", () => {
  it('brings a provisioner and, optionally, a change policy, a License issuer and license-code hooks', async () => {
    const module = await loadProvisionerModule(fixture('license-module.ts'));
    expect(Object.keys(module).sort()).toEqual(['licenseCodeHooks', 'licenseIssuer', 'provisioner']);
    expect(await module.licenseIssuer!.issue({ instanceId: 'i-1' } as never)).toEqual({ license: 'LICENSE-FOR-i-1' });
    expect(Object.keys(await loadProvisionerModule(fixture('example-provisioner.ts'))).sort()).toEqual(['changePolicy', 'provisioner']);
  });

  it('gives a module that exports start() the services of kgkit: it records usage with them', async () => {
    const module = await loadProvisionerModule(fixture('metering-module.ts'));
    const recorded: unknown[] = [];
    await module.start!({
      recordUsage: async (events) => (
        recorded.push(...events), events.map((e) => ({ eventId: e.eventId, status: 'recorded' as const, code: '000000' as const }))
      ),
    });
    const { kgkit } = (await import(fixture('metering-module.ts'))) as typeof import('../fixtures/provisioners/metering-module.js');
    expect(await kgkit!.recordUsage([{ eventId: 'e-1', instanceId: 'i-1', quantity: '2' }])).toEqual([{ eventId: 'e-1', status: 'recorded', code: '000000' }]);
    expect(recorded).toEqual([{ eventId: 'e-1', instanceId: 'i-1', quantity: '2' }]);
  });

  it.each([
    ['bad-start-module.ts', /`start`, when exported, must be a function/],
    ['incomplete-provisioner.ts', /must export `provisioner` with refresh, setFrozen, release, upgrade/],
    ['bad-license-module.ts', /`licenseCodeHooks` must have release/],
    ['no-such-module.ts', /could not be loaded/],
  ])('refuses %s with a message naming what is wrong', async (name, message) => {
    await expect(loadProvisionerModule(fixture(name))).rejects.toThrow(message);
  });
});
