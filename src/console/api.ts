import type { components } from '../../generated/kgkit/types.js';

type S = components['schemas'];

/** What the console reads through the kgkit API: each path's query and answer (openapi/kgkit). */
interface Reads {
  '/kgkit/v1/instances': [S['ListInstancesQuery'], S['ListInstancesResponse']];
  '/kgkit/v1/events': [S['ListEventsQuery'], S['ListEventsResponse']];
  '/kgkit/v1/refusals': [S['ListRefusalsQuery'], S['ListRefusalsResponse']];
  '/kgkit/v1/kit-tenants': [S['ListKitTenantsQuery'], S['ListKitTenantsResponse']];
  '/kgkit/v1/kit-directory': [S['GetKitDirectoryQuery'], S['GetKitDirectoryResponse']];
  '/kgkit/v1/usage-records': [S['ListUsageRecordsQuery'], S['ListUsageRecordsResponse']];
  '/kgkit/v1/order-lookups': [S['ListOrderLookupsQuery'], S['ListOrderLookupsResponse']];
  '/kgkit/v1/license-uploads': [S['ListLicenseUploadsQuery'], S['ListLicenseUploadsResponse']];
}

/** What the console does through the kgkit API. */
interface Writes {
  '/kgkit/v1/usage-records/retry': [S['RetryUsageRecordsRequest'], S['UsageRecordActionResponse']];
  '/kgkit/v1/usage-records/give-up': [S['GiveUpUsageRecordsRequest'], S['UsageRecordActionResponse']];
}

export type ApiSchemas = S;

/** How the console reaches the kgkit API: the app's own routes, in process (`app.request`), or any fetch. */
export type ApiFetch = (path: string, init: RequestInit) => Response | Promise<Response>;

/** The API did not answer 000000 (or 000003, which some reads answer): its code and message, for the page to show. */
export class ApiRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status: 401 means the token is not (or no longer) the API's. */
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ConsoleApi {
  read<P extends keyof Reads>(path: P, query: Reads[P][0]): Promise<Reads[P][1]>;
  act<P extends keyof Writes>(path: P, body: Writes[P][0]): Promise<Writes[P][1]>;
}

/**
 * The kgkit API as the signed-in operator: every call carries their token, goes through the API's routes, its bearer
 * check and its contract validation, exactly as the seller's product's calls do.
 */
export function consoleApi(fetch: ApiFetch, token: string): ConsoleApi {
  const send = async (path: string, init: RequestInit): Promise<unknown> => {
    const response = await fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}`, accept: 'application/json' } });
    const text = await response.text();
    let body: { resultCode?: string; resultMsg?: string } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ApiRefusal('HTTP', `the kgkit API answered HTTP ${response.status} without JSON`, response.status);
    }
    if (response.status !== 200 || (body?.resultCode !== '000000' && body?.resultCode !== '000003'))
      throw new ApiRefusal(body?.resultCode ?? 'HTTP', body?.resultMsg ?? `HTTP ${response.status}`, response.status);
    return body;
  };
  return {
    async read(path, query) {
      const search = new URLSearchParams(Object.entries(query as Record<string, string | undefined>).filter((e): e is [string, string] => e[1] !== undefined));
      return (await send(`${path}${search.size > 0 ? `?${search}` : ''}`, { method: 'GET' })) as never;
    },
    async act(path, body) {
      return (await send(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })) as never;
    },
  };
}
