import type { FamilyMount } from '../http/family.js';

/** Placeholder until the family lands: mounts nothing. */
export const mountSso: FamilyMount = () => {};
