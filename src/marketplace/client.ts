import { createHash } from 'node:crypto';
import { type MarketplaceClient, createMarketplaceClient } from '../../generated/marketplace/client.js';
import { type AkSk, signApigRequest } from '../crypto/apig-signature.js';
import { canonicalUsageBody, usagePushHeaders } from '../crypto/usage-signature.js';
import type { PushOutcome, UsageRecordWire } from '../usage/push.js';
import { type MarketplaceAnswer, unreachable } from './answer.js';
import { MarketplaceUnreachable, type RequestSigner, marketplaceTransport } from './transport.js';

export interface MarketplaceSettings {
  /** Base URLs, main first, then fallbacks (MARKETPLACE_REGIONS in src/config.ts). */
  hosts: readonly string[];
  /** The key bound to the basic interfaces: it signs the new usage push (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html). */
  accessKey: string;
  /** The seller account's AK/SK: every other Open API is APIG-signed (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html). */
  akSk?: AkSk;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  fetch?: (request: Request) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The success codes of the Open API families (MKT.* SaaS, CBC.* upload, 9202xxxx license codes). */
const SUCCESS: ReadonlySet<string> = new Set(['MKT.0000', 'CBC.0000', '92020000']);
/** 5xx answers a retry cannot fix: the usage push's record errors (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html). */
const PERMANENT: ReadonlySet<string> = new Set(['MKT.0100', 'MKT.9001', 'MKT.9002', 'MKT.9003', 'MKT.9004']);
/** A License up to this length goes as a string; a longer one as a file with its SHA-256 (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html). */
export const MAX_CHARACTERS = 1024;

/**
 * The marketplace's Open APIs as kgkit calls them: the generated openapi-fetch client of openapi/marketplace over a
 * transport that signs every attempt (APIG AK/SK, or the usage push's HMAC headers), bounds it with a timeout, falls
 * back to the next host and retries what a retry can fix. Every answer comes back as data with the marketplace's code.
 */
export class MarketplaceApi {
  private readonly apig: MarketplaceClient | undefined;
  private readonly usage: MarketplaceClient;

  constructor(settings: MarketplaceSettings) {
    const transport = (sign: RequestSigner) =>
      marketplaceTransport({
        hosts: settings.hosts,
        sign,
        permanentCodes: PERMANENT,
        ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
        ...(settings.retries !== undefined ? { retries: settings.retries } : {}),
        ...(settings.backoffMs !== undefined ? { backoffMs: settings.backoffMs } : {}),
        ...(settings.fetch ? { fetch: settings.fetch } : {}),
        ...(settings.sleep ? { sleep: settings.sleep } : {}),
        ...(settings.now ? { now: settings.now } : {}),
      });
    const client = (sign: RequestSigner) => createMarketplaceClient({ baseUrl: settings.hosts[0]!, fetch: transport(sign) });
    const akSk = settings.akSk;
    this.apig = akSk ? client((request, now) => signApigRequest(request, akSk, new Date(now))) : undefined;
    // The body is already the canonical text (see pushUsage): it is signed as it is sent.
    this.usage = client((request, now) => ({ ...usagePushHeaders(settings.accessKey, new TextDecoder().decode(request.body), now) }));
  }

  /** Query Order (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html): the order and its lines. */
  async queryOrder(orderId: string, orderLineId?: string, signal?: AbortSignal): Promise<MarketplaceAnswer<{ orderInfo?: Record<string, unknown> }>> {
    const apig = this.requireApig();
    return answerOf(() =>
      apig.GET('/api/mkp-openapi-public/global/v1/order/query', {
        params: { query: { orderId, ...(orderLineId ? { orderLineId } : {}) } },
        ...(signal ? { signal } : {}),
      }),
    );
  }

  /**
   * The new usage push (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html): at most 1000 records, sent exactly as signed (keys sorted at every level).
   * `accepted` only when the marketplace said MKT.0000; `unreachable` when no host answered or a 5xx carried no code.
   */
  async pushUsage(records: UsageRecordWire[], signal?: AbortSignal): Promise<PushOutcome> {
    const answer = await answerOf(() =>
      this.usage.POST('/api/mkp-openapi-public/global/v1/isv/usage-data', {
        // The HMAC headers are set per attempt by the transport; these placeholders satisfy the types.
        params: { header: { signature: '', ts: '', nonce: '' } },
        body: { usage_records: records },
        bodySerializer: (body) => canonicalUsageBody(body),
        ...(signal ? { signal } : {}),
      }),
    );
    if (answer.ok) return { kind: 'accepted' };
    if (answer.status === 0 || (answer.status >= 500 && answer.code === `HTTP ${answer.status}`)) return { kind: 'unreachable', message: answer.message };
    return { kind: 'refused', status: answer.status, code: answer.code, message: answer.message };
  }

  /**
   * Uploads the License of a getLicenseAsync event (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html): as a string up to 1024 characters,
   * as a file with its SHA-256 (hex) beyond.
   */
  async uploadLicense(eventId: string, license: string, signal?: AbortSignal): Promise<MarketplaceAnswer<unknown>> {
    const apig = this.requireApig();
    const asFile = license.length > MAX_CHARACTERS;
    const bytes = Buffer.from(license, 'utf8');
    const request = asFile
      ? { type: 'FILE' as const, file_name: `license-${eventId}.lic`, sha256: createHash('sha256').update(bytes).digest('hex') }
      : { type: 'CHARACTERS' as const, characters: license };
    return answerOf(() =>
      apig.POST('/api/mkp-openapi-public/global/v1/market-event/{event_id}/file', {
        params: { path: { event_id: eventId } },
        body: { isvUpdateFileReq: JSON.stringify(request), ...(asFile ? { file: license } : {}) },
        bodySerializer: () => {
          const form = new FormData();
          form.append('isvUpdateFileReq', new Blob([JSON.stringify(request)], { type: 'application/json' }));
          if (asFile) form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), request.file_name);
          return form;
        },
        ...(signal ? { signal } : {}),
      }),
    );
  }

  /** The raw generated client with AK/SK signing, for the License-code Open APIs (activate, query, usage statistics). */
  get licenseCodes(): MarketplaceClient {
    return this.requireApig();
  }

  private requireApig(): MarketplaceClient {
    if (!this.apig) throw new Error('the marketplace AK/SK are not configured (KOOGALLERY_AK, KOOGALLERY_SK)');
    return this.apig;
  }
}

/** An openapi-fetch result as data: the marketplace's code and message, or UNREACHABLE. */
async function answerOf<T>(call: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<MarketplaceAnswer<T>> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call();
  } catch (error) {
    if (error instanceof MarketplaceUnreachable) return unreachable(error.message);
    throw error;
  }
  const { response } = result;
  const body = (result.data ?? result.error) as Record<string, unknown> | string | undefined;
  const fields = typeof body === 'object' && body !== null ? body : {};
  const code = typeof (fields.error_code ?? fields.resultCode) === 'string' ? String(fields.error_code ?? fields.resultCode) : `HTTP ${response.status}`;
  const message = String(fields.error_msg ?? fields.resultMsg ?? (typeof body === 'string' ? body.slice(0, 200) : response.statusText || 'no message'));
  if (response.ok && SUCCESS.has(code)) return { ok: true, status: response.status, code, data: result.data as T };
  return { ok: false, status: response.status, code, message };
}
