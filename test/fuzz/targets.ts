import { KGKIT_PATHS, KGKIT_SCHEMAS } from '../../generated/kgkit/server.js';
import { KIT_V1_PATHS } from '../../generated/kit-v1/server.js';
import { KIT_V2_PATHS } from '../../generated/kit-v2/server.js';
import { FAMILIES } from '../../src/conformance/families.js';
import { KEYS, TEST_CONFIG } from '../support/server.js';
import { type FuzzFamily, contractOf } from './contracts.js';

// Where and how each family is called: its paths (the contract's, which are kgkit's defaults), the transport that
// carries its signature, its key, and each handler's request schema.

export type Transport = 'basic' | 'kit-v2' | 'kit-v1' | 'saas-v1' | 'bearer';

export const FUZZ_API_TOKEN = 'fuzz-kgkit-api-token-0123456789abcdef';

export interface HandlerTarget {
  name: string;
  /** The request schema, a component of the family's contract. */
  request: string;
  path: string;
  method: 'GET' | 'POST';
  /** The request is the JSON body, or the query string (SaaS V1.0, kgkit's GET lists). */
  read: 'json' | 'query';
}

export interface FamilyTarget {
  family: FuzzFamily;
  transport: Transport;
  /** The key the family's calls are signed with (the Bearer token for kgkit's API). */
  key: string;
  handlers: HandlerTarget[];
  /** Set when one path serves every handler, told apart by this member (`activity`). */
  discriminator?: string;
  /** Members the signer writes (V1 timeStamp, authToken): generated values of them are replaced. */
  signerFields: string[];
}

const TRANSPORTS: Record<Exclude<FuzzFamily, 'kgkit'>, Transport> = {
  'saas-v2': 'basic',
  'saas-v1': 'saas-v1',
  'kit-v2': 'kit-v2',
  'kit-v1': 'kit-v1',
  'license-code': 'basic',
  'online-license': 'basic',
  'order-notify': 'basic',
};

const KEY_OF: Record<FuzzFamily, string> = {
  'saas-v2': KEYS.basic,
  'saas-v1': KEYS.basic,
  'kit-v2': KEYS.kit,
  'kit-v1': KEYS.kit,
  'license-code': KEYS.licenseCode,
  'online-license': KEYS.basic,
  'order-notify': KEYS.orderNotify,
  kgkit: FUZZ_API_TOKEN,
};

/** The production path of each family that serves every activity on one path, as the test server is configured. */
const ACTIVITY_PATHS: Partial<Record<FuzzFamily, string>> = {
  'saas-v2': TEST_CONFIG.saasPath,
  'saas-v1': TEST_CONFIG.saasV1Path,
  'license-code': TEST_CONFIG.licenseCode.path,
  'online-license': TEST_CONFIG.onlineLicense.path,
  'order-notify': TEST_CONFIG.orderNotify.path,
};

/** Every distinct key a marketplace call may be signed with: the other families' keys, for key swaps. */
export const ALL_KEYS: readonly string[] = [...new Set(Object.values(KEYS))];

export function targetOf(family: FuzzFamily): FamilyTarget {
  if (family === 'kgkit') {
    const handlers = Object.entries(KGKIT_SCHEMAS.handlers).map(([name, { request }]): HandlerTarget => {
      const path = KGKIT_PATHS[name as keyof typeof KGKIT_PATHS];
      const method = contractOf('kgkit').paths[path]?.post ? 'POST' : 'GET';
      return { name, request, path, method, read: method === 'POST' ? 'json' : 'query' };
    });
    return { family, transport: 'bearer', key: KEY_OF.kgkit, handlers, signerFields: [] };
  }
  const transport = TRANSPORTS[family];
  const schemas = FAMILIES[family].schemas.handlers as Record<string, { request: string }>;
  const kitPaths = family === 'kit-v2' ? KIT_V2_PATHS : family === 'kit-v1' ? KIT_V1_PATHS : undefined;
  const handlers = Object.entries(schemas).map(([name, { request }]): HandlerTarget => {
    const path = kitPaths ? kitPaths[name as keyof typeof kitPaths] : ACTIVITY_PATHS[family]!;
    return { name, request, path, method: transport === 'saas-v1' ? 'GET' : 'POST', read: transport === 'saas-v1' ? 'query' : 'json' };
  });
  const signerFields = transport === 'kit-v1' ? ['timeStamp'] : transport === 'saas-v1' ? ['timeStamp', 'authToken'] : [];
  return { family, transport, key: KEY_OF[family], handlers, ...(kitPaths ? {} : { discriminator: 'activity' }), signerFields };
}
