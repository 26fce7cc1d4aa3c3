import type { AppAccess } from '../../src/instances/instance.js';
import type { ProvisionResult, Provisioner } from '../../src/instances/provisioner.js';

export type Step = () => Promise<ProvisionResult>;

/** A provisioner that records every call and answers `create` from a queue of steps (default: ready at once). */
export function fakeProvisioner() {
  const calls: { hook: string; instanceId: string; detail?: unknown }[] = [];
  const createSteps: Step[] = [];
  let hookError: Error | undefined;
  let hookDelayMs = 0;
  const appInfo = (id: string): AppAccess => ({
    frontEndUrl: `https://app.example.com/t/${id}`,
    userName: `admin_${id.slice(0, 4)}`,
    password: 'Secret123abc',
  });
  const hook = (name: string) => async (event: { instanceId: string }, _signal: AbortSignal, detail?: unknown) => {
    calls.push({ hook: name, instanceId: event.instanceId, ...(detail !== undefined ? { detail } : {}) });
    if (hookDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, hookDelayMs));
    if (hookError) throw hookError;
  };
  const provisioner: Provisioner = {
    async create(event) {
      calls.push({ hook: 'create', instanceId: event.instanceId, ...(event.order ? { detail: event.order } : {}) });
      const step = createSteps.shift();
      return step ? step() : { state: 'ready', appInfo: appInfo(event.instanceId) };
    },
    refresh: (event, signal) => hook('refresh')(event, signal, { scene: event.scene, expiresAt: event.expiresAt }),
    setFrozen: (event, signal) => hook(event.frozen ? 'freeze' : 'unfreeze')(event, signal),
    release: (event, signal) => hook('release')(event, signal),
    upgrade: (event, signal) => hook('upgrade')(event, signal),
  };
  return {
    provisioner,
    calls,
    appInfo,
    /** The next create calls take these steps, in order. */
    thenCreate(...steps: Step[]) {
      createSteps.push(...steps);
    },
    failHooksWith(error: Error | undefined) {
      hookError = error;
    },
    delayHooks(ms: number) {
      hookDelayMs = ms;
    },
    count(name: string) {
      return calls.filter((call) => call.hook === name).length;
    },
  };
}

export const after =
  <T>(ms: number, value: () => T | Promise<T>) =>
  () =>
    new Promise<T>((resolve, reject) => setTimeout(() => Promise.resolve().then(value).then(resolve, reject), ms));
