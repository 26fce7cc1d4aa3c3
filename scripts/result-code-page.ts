/**
 * The result-code registry as a page of the API reference (docs/reference/result-codes.html, built by scripts/docs.ts):
 * every code of openapi/components/schemas/ResultCode.yaml (docs/decisions.md#13), its meaning (the code's description)
 * and who returns it (its `x-returned-by`: the activities or operations of each family whose answers declare it, kept
 * by scripts/lint.ts), or where it is reported instead (`x-kgkit-reported-in`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './contract.js';
import { inReadmeOrder } from './family-order.js';

export const RESULT_CODE_FILE = join(ROOT, 'openapi', 'components', 'schemas', 'ResultCode.yaml');
export const RESULT_CODE_PAGE = 'result-codes.html';

export interface ResultCode {
  const: string;
  title?: string;
  description?: string;
  'x-returned-by'?: Record<string, string[]>;
  'x-kgkit-reported-in'?: string;
}
export interface Registry {
  description?: string;
  oneOf: ResultCode[];
}

export const readRegistry = (file: string = RESULT_CODE_FILE): Registry => parse(readFileSync(file, 'utf8')) as Registry;

/** Where a handler of a family is documented: the family's page, and the fragment of its own entry when it has one. */
export type HandlerLink = (family: string, handler: string) => string | undefined;

/** The anchor of a code's row, for links from elsewhere. */
export const codeAnchor = (code: string): string => `code-${code.replace(/[^A-Za-z0-9]/g, '-')}`;

export function resultCodePage(registry: Registry, link: HandlerLink): string {
  const rows = registry.oneOf.map((code) => {
    const returnedBy = Object.entries(code['x-returned-by'] ?? {});
    const who =
      returnedBy.length > 0
        ? `<ul>${inReadmeOrder(returnedBy.map(([family]) => family))
            .map((family) => {
              const handlers = code['x-returned-by']![family]!.map((handler) => {
                const href = link(family, handler);
                return href === undefined ? `<code>${escape(handler)}</code>` : `<a href="${escape(href)}"><code>${escape(handler)}</code></a>`;
              });
              return `<li><strong>${escape(family)}</strong>: ${handlers.join(', ')}</li>`;
            })
            .join('')}</ul>`
        : code['x-kgkit-reported-in']
          ? `<p>No API answers it; reported in ${escape(code['x-kgkit-reported-in'])}.</p>`
          : '<p>No family declares it.</p>';
    return `<tr id="${codeAnchor(code.const)}"><td><a href="#${codeAnchor(code.const)}"><code>${escape(code.const)}</code></a></td><td>${escape(code.title ?? '')}</td><td>${markdown(code.description ?? '')}</td><td>${who}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgkit result codes</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:80em;margin:2em auto;padding:0 1em}table{border-collapse:collapse;width:100%}
td,th{border-top:1px solid #ddd;padding:.5em;vertical-align:top;text-align:left}td:first-child{white-space:nowrap}td p{margin:0 0 .5em}
td ul{margin:0;padding-left:1.2em}tr:target{background:#fff7d6}code{font-size:.92em}</style></head>
<body><p><a href="./">← kgkit API reference</a></p><h1>Result codes</h1>
${markdown(registry.description ?? '')}
<p>${registry.oneOf.length} codes, from <code>openapi/components/schemas/ResultCode.yaml</code>.</p>
<table><thead><tr><th>Code</th><th>Name</th><th>Meaning</th><th>Returned by</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}

export const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The little Markdown the registry's descriptions use: paragraphs, `- ` lists, `code`, **bold** and bare URLs. */
export function markdown(text: string): string {
  const inline = (line: string) =>
    escape(line)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/(https?:\/\/[^\s<);,]+[^\s<);,.])/g, '<a href="$1">$1</a>');
  const blocks: string[] = [];
  for (const block of text.trim().split(/\n\s*\n/)) {
    const lead: string[] = [];
    const items: string[] = [];
    // Text before the first `- ` is a paragraph; a list item runs on over the lines below it.
    for (const line of block.split('\n')) {
      if (/^\s*- /.test(line)) items.push(line.replace(/^\s*- /, ''));
      else if (items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
      else lead.push(line.trim());
    }
    if (lead.join('') !== '') blocks.push(`<p>${inline(lead.join(' '))}</p>`);
    if (items.length > 0) blocks.push(`<ul>${items.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`);
  }
  return blocks.join('\n');
}
