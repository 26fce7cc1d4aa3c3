import type { Context, Hono, MiddlewareHandler } from 'hono';
import { asciiJson } from '../http/ascii-json.js';
import { unstorable } from '../store/nul-text.js';
import { authTokenQueryCheck } from '../security/auth-token-query-check.js';
import { basicSignatureCheck } from '../security/basic-signature-check.js';
import { bodySign } from '../security/body-sign.js';
import { kitAuthTokenCheck } from '../security/kit-auth-token-check.js';
import { kitSignatureCheck } from '../security/kit-signature-check.js';
import type { NonceRegistry, SignatureFailureCode, SignedBodyVariables } from '../security/signed-request-check.js';

/**
 * How the marketplace signs a family's calls: `basic` = `signature`/`timestamp`/`nonce` in the query (SaaS V2.0, License
 * codes, online License, order notification); `kit-v2` = `x-sign` headers; `kit-v1` = `authToken` header over the body;
 * `saas-v1` = GET with `authToken` in the query.
 */
export type SignatureScheme = 'basic' | 'kit-v2' | 'kit-v1' | 'saas-v1';

export interface SignedPath {
  path: string;
  scheme: SignatureScheme;
  /** The access key bound to the interface in Seller Console. */
  accessKey: string;
  /** Whether every answer on the path carries Body-Sign (V1.0 and Kit V1 always; elsewhere BODY_SIGN). */
  bodySign: boolean;
  /** The body limit, when not MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export interface SignedPathDeps {
  nonces: NonceRegistry;
  toleranceMs: number;
  now: () => number;
  refuse: (c: Context, code: SignatureFailureCode, reason: string) => Response;
  callDeadline: MiddlewareHandler;
  bodyWithin: (maxSize?: number) => MiddlewareHandler;
  /** Put before everything else on the path, so that it encloses every answer, refusals included (a tracing span). */
  enter?: MiddlewareHandler;
}

/**
 * The guard every signed family puts in front of its contract, in this order: `enter` when given, Body-Sign (so that it
 * wraps every answer on the path, refusals included: docs/decisions.md#10), the call deadline, the body limit, the
 * signature check (which hands the body on as `c.var.signedBody`).
 */
export function guardSignedPath(app: Hono<{ Variables: SignedBodyVariables }>, spec: SignedPath, deps: SignedPathDeps): void {
  const { path, scheme, accessKey } = spec;
  const method = scheme === 'saas-v1' ? 'GET' : 'POST';
  const check = { accessKey, nonces: deps.nonces, toleranceMs: deps.toleranceMs, now: deps.now, refuse: deps.refuse };
  if (deps.enter) app.on(method, path, deps.enter);
  if (spec.bodySign) app.on(method, path, bodySign({ accessKey }));
  app.on(method, path, deps.callDeadline);
  if (method === 'POST') app.on(method, path, deps.bodyWithin(spec.maxBodyBytes));
  app.on(method, path, verifierOf(scheme, check));
}

function verifierOf(scheme: SignatureScheme, check: Parameters<typeof basicSignatureCheck>[0]): MiddlewareHandler {
  switch (scheme) {
    case 'basic':
      return basicSignatureCheck(check);
    case 'kit-v2':
      return kitSignatureCheck(check);
    case 'kit-v1':
      return kitAuthTokenCheck(check);
    case 'saas-v1':
      return authTokenQueryCheck(check);
  }
}

/**
 * What every signed family's generated mount is given alike: the signed body, a refusal of what the store cannot keep
 * (U+0000), ASCII-only JSON, the audit trail.
 */
export function signedContractOptions<O>(observe: O, strictRequests: boolean) {
  return {
    readBody: (c: Context<{ Variables: SignedBodyVariables }>) => c.get('signedBody'),
    screen: unstorable,
    serialize: asciiJson,
    observe,
    strictRequests,
  };
}
