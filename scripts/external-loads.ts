/**
 * What a page or script would fetch from another host by itself: script and style sources, preloads, module imports,
 * CSS `url()`/`@import`, images and frames with an absolute (or protocol-relative) URL. Links a reader follows
 * (`<a href>`) and URLs inside text are not loads. The API reference must have none (scripts/docs.ts).
 */
const LOADS: RegExp[] = [
  /<script\b[^>]*\bsrc\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi,
  /<link\b[^>]*\bhref\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi,
  /<(?:img|iframe|source|embed)\b[^>]*\bsrc\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi,
  /\bimport\s*(?:[\w${},*\s]+\bfrom\s*)?["'`]((?:https?:)?\/\/[^"'`]+)/g,
  /\bimport\s*\(\s*["'`]((?:https?:)?\/\/[^"'`]+)/g,
  /@import\s+(?:url\(\s*)?["']?((?:https?:)?\/\/[^"')\s]+)/gi,
  /\burl\(\s*["']?((?:https?:)?\/\/[^"')\s]+)/gi,
];

export function externalLoads(text: string): string[] {
  return [...new Set(LOADS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!)))];
}
