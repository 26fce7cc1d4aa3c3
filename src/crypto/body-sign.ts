import { createHmac } from 'node:crypto';

/** `Body-Sign` response header: Base64 HMAC-SHA256 of the exact body bytes (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649067.html, docs/decisions.md#10). */
export function bodySignHeader(accessKey: string, body: string | Uint8Array): string {
  const signature = createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(body).digest('base64');
  return `sign_type="HMAC-SHA256", signature="${signature}"`;
}
