/**
 * JSON with every non-ASCII character written as \uXXXX: the marketplace asks for Chinese in `memo` to be sent
 * that way (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html), and escaping everything keeps the bytes that `Body-Sign` covers plain ASCII.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
