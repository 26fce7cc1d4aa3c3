import { createHmac } from 'node:crypto';

/** `Body-Sign` response header: Base64 HMAC-SHA256 of the exact body bytes (saas-v2.md §1.4, DECISIONS 10). */
export function bodySignHeader(accessKey: string, body: string | Uint8Array): string {
  const signature = createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(body).digest('base64');
  return `sign_type="HMAC-SHA256", signature="${signature}"`;
}
