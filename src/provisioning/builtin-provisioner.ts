import { createHash, randomInt } from 'node:crypto';
import type { AppAccess } from '../instances/instance.js';
import type { InstanceEvent, Provisioner } from '../instances/provisioner.js';

export interface BuiltinTemplates {
  /** e.g. `https://app.example.com/t/{instanceId}`; placeholders: {instanceId}, {orderId}, {shortId}. */
  frontEndUrl: string;
  adminUrl?: string;
  /** Default `admin_{shortId}`. */
  userName?: string;
  memo?: string;
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * Issues access info from templates and a fresh random password; the lifecycle hooks change nothing outside kgkit.
 * Good for a product whose tenants are created lazily on first login, and for trying kgkit out.
 */
export function builtinProvisioner(templates: BuiltinTemplates): Provisioner {
  if (!templates.frontEndUrl) throw new Error('builtin provisioner: a frontEndUrl template is required');
  const fill = (template: string, event: InstanceEvent) =>
    template
      .replaceAll('{instanceId}', encodeURIComponent(event.instanceId))
      .replaceAll('{orderId}', encodeURIComponent(event.orderId ?? ''))
      .replaceAll('{shortId}', shortId(event.instanceId));
  return {
    async create(event) {
      const appInfo: AppAccess = {
        frontEndUrl: fill(templates.frontEndUrl, event),
        userName: fill(templates.userName ?? 'admin_{shortId}', event),
        password: newPassword(),
      };
      if (templates.adminUrl) appInfo.adminUrl = fill(templates.adminUrl, event);
      if (templates.memo) appInfo.memo = fill(templates.memo, event);
      return { state: 'ready', appInfo };
    },
    async refresh() {},
    async setFrozen() {},
    async release() {},
    async upgrade() {},
  };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * 12 base32 characters of the instance ID's SHA-256 (60 bits): the same for the same instance, and different for two
 * instances whatever their IDs share (a prefix of the ID collided for IDs like `order-2026-…`). A collision needs
 * about 2^30 instances to become likely.
 */
export function shortId(instanceId: string): string {
  const digest = createHash('sha256').update(instanceId, 'utf8').digest();
  let id = '';
  for (let bit = 0; bit < 60; bit += 5) {
    const byte = bit >> 3;
    const value = ((digest[byte]! << 8) | digest[byte + 1]!) >> (11 - (bit & 7));
    id += BASE32[value & 31];
  }
  return id;
}

/** 16 characters from an unambiguous alphabet, at least one upper, lower and digit (≈ 93 bits). */
export function newPassword(): string {
  for (;;) {
    let password = '';
    for (let i = 0; i < 16; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password)) return password;
  }
}
