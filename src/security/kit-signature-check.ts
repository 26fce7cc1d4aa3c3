import type { MiddlewareHandler } from 'hono';
import { verifyKitSignature } from '../crypto/kit-signature.js';
import { type SignedBodyVariables, type SignedRequestCheckOptions, signedRequestCheck } from './signed-request-check.js';

export type KitSignatureCheckOptions = SignedRequestCheckOptions;

/** The `x-sign`/`x-timestamp`/`x-nonce` headers of the Kit V2 interfaces, with the Kit key (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html). */
export function kitSignatureCheck(options: KitSignatureCheckOptions): MiddlewareHandler<{ Variables: SignedBodyVariables }> {
  return signedRequestCheck(
    options,
    {
      read: (c) => ({ timestamp: c.req.header('x-timestamp'), nonce: c.req.header('x-nonce'), signature: c.req.header('x-sign') }),
      names: { timestamp: 'x-timestamp', nonce: 'x-nonce', signature: 'x-sign' },
    },
    verifyKitSignature,
  );
}
