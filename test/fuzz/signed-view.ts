import { verifyAuthToken } from '../../src/crypto/auth-token.js';
import { verifyBasicSignature } from '../../src/crypto/basic-signature.js';
import { verifyKitSignature } from '../../src/crypto/kit-signature.js';
import { parseJsonObject } from '../../src/http/json-object.js';
import type { FamilyTarget } from './targets.js';
import { type Wire, authTokenMembers, serverQuery } from './wire.js';

// Whether a request still carries a valid signature for what it says, read as the server reads it (the query decoded
// by Hono, first value of each name; repeated headers joined by ", " as Fetch joins them). A request changed after signing that no
// longer verifies must be refused before anything reads it.

function header(wire: Wire, name: string): string | undefined {
  const values = wire.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value.trim());
  return values.length === 0 ? undefined : values.join(', ');
}

const bodyObject = (wire: Wire) => parseJsonObject(wire.body ?? new Uint8Array());

/**
 * Runs a check that computes the canonical payload of the body; a body too deep for that recursive walk can only be
 * signed over its raw bytes, so it is checked over those alone.
 */
function verifying<T extends { body?: Record<string, unknown> }>(input: T, verify: (input: T) => boolean): boolean {
  try {
    return verify(input);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const { body: _deep, ...rawOnly } = input;
    return verify(rawOnly as T);
  }
}

export function signatureVerifies(target: FamilyTarget, wire: Wire): boolean {
  const rawBody = wire.body ?? new Uint8Array();
  switch (target.transport) {
    case 'basic': {
      const query = serverQuery(wire);
      if (!query.signature || !query.timestamp || !query.nonce) return false;
      const body = bodyObject(wire);
      return verifying(
        { accessKey: target.key, nonce: query.nonce, timestamp: query.timestamp, signature: query.signature, rawBody, ...(body ? { body } : {}) },
        verifyBasicSignature,
      );
    }
    case 'kit-v2': {
      const [signature, timestamp, nonce] = [header(wire, 'x-sign'), header(wire, 'x-timestamp'), header(wire, 'x-nonce')];
      if (!signature || !timestamp || !nonce) return false;
      const body = bodyObject(wire);
      return verifying({ accessKey: target.key, nonce, timestamp, signature, rawBody, ...(body ? { body } : {}) }, verifyKitSignature);
    }
    case 'kit-v1': {
      const token = header(wire, 'authToken');
      const body = bodyObject(wire);
      if (!token || !body || typeof body.timeStamp !== 'string') return false;
      return verifyAuthToken(target.key, body.timeStamp, authTokenMembers(body), token);
    }
    case 'saas-v1': {
      const params = serverQuery(wire);
      if (!params.authToken || !params.timeStamp) return false;
      return verifyAuthToken(target.key, params.timeStamp, params, params.authToken);
    }
    case 'bearer':
      // RFC 7235 §2.1: the scheme is case-insensitive, and one or more spaces precede the token.
      return /^bearer +(.+)$/i.exec(header(wire, 'authorization') ?? '')?.[1] === target.key;
  }
}
