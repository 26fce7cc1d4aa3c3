import type { MiddlewareHandler } from 'hono';
import { verifyBasicSignature } from '../crypto/basic-signature.js';
import { type SignedBodyVariables, type SignedRequestCheckOptions, signedRequestCheck } from './signed-request-check.js';

export type BasicSignatureCheckOptions = SignedRequestCheckOptions;

/**
 * The `signature`/`timestamp`/`nonce` query parameters of the basic interfaces: SaaS V2.0, License, orderNotify
 * (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html, docs/decisions.md#1–#5).
 */
export function basicSignatureCheck(options: BasicSignatureCheckOptions): MiddlewareHandler<{ Variables: SignedBodyVariables }> {
  return signedRequestCheck(
    options,
    {
      read: (c) => ({ timestamp: c.req.query('timestamp'), nonce: c.req.query('nonce'), signature: c.req.query('signature') }),
      names: { timestamp: 'timestamp', nonce: 'nonce', signature: 'signature' },
    },
    verifyBasicSignature,
  );
}
