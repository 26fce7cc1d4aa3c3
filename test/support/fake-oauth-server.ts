import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { bundleContract } from '../../scripts/contract.js';
import type { components } from '../../generated/oauth/types.js';

/**
 * A stateful fake of a tenant's auth centre (openapi/oauth; https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649448.html) on a loopback port.
 * Every answer it gives, and every request it gets, is checked against the contract; what does not conform is
 * collected in `violations` (a test asserts it stays empty). Faults put in on purpose are not checked.
 */
export type Claims = components['schemas']['UserInfo'];

export interface FakeClient {
  clientId: string;
  clientSecret: string;
  /** Registered callbacks; empty: any. */
  redirectUris?: string[];
}

export interface FakeOauthOptions {
  clients: FakeClient[];
  /** How long a code can be redeemed (UNCONFIRMED for the real one; RFC 6749 says at most 10 minutes). */
  codeTtlMs?: number;
  accessTokenTtlSeconds?: number;
  /** A refresh answers with a new refresh token (rotation; UNCONFIRMED for the real one). */
  rotateRefreshTokens?: boolean;
}

export type TokenFault = 'error' | 'hang' | 'notJson';
export type UserinfoFault = 'error' | 'hang';

export interface FakeOauthServer {
  /** The auth centre's base URL: a tenant's `domainName`. */
  url: string;
  clock: { now: number };
  /** Who is signed in at the auth centre (the browser's session there); undefined: the login page. */
  signedIn: Claims | undefined;
  /** The next authorize answers `error=access_denied` (the user declined). */
  deny: boolean;
  faults: { token?: TokenFault; userinfo?: UserinfoFault };
  /** Every request, `METHOD /path`, in order. */
  requests: string[];
  violations: string[];
  reset(): void;
  close(): Promise<void>;
}

const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (ajv: Ajv2020) => Ajv2020;

type Operation = {
  parameters?: { $ref?: string; name?: string; in?: string; required?: boolean; schema?: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { headers?: Record<string, { required?: boolean }>; content?: Record<string, { schema: object }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

/** The contract, from `make gen`'s bundle when it exists, else bundled from the YAML. */
async function loadContract(): Promise<Document> {
  const generated = new URL('../../generated/oauth/openapi.json', import.meta.url);
  return (existsSync(generated) ? JSON.parse(readFileSync(generated, 'utf8')) : await bundleContract('oauth')) as Document;
}

function contractChecker(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'oauth', components: document.components });
  const cache = new Map<object, ValidateFunction>();
  const compile = (schema: object) => {
    let validate = cache.get(schema);
    if (!validate)
      cache.set(schema, (validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"oauth#/components/')) as object)));
    return validate;
  };
  const resolve = <T>(node: T & { $ref?: string }): T => {
    if (!node.$ref) return node;
    return node.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], document) as T;
  };
  const schemaProblem = (schema: object, value: unknown) => {
    const validate = compile(schema);
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
  return {
    query(path: string, method: string, query: URLSearchParams): string[] {
      const problems: string[] = [];
      for (const parameter of (document.paths[path]?.[method]?.parameters ?? []).map(resolve)) {
        const values = query.getAll(parameter.name!);
        if (values.length === 0 && parameter.required) problems.push(`${parameter.name} is required`);
        if (values.length > 1) problems.push(`${parameter.name} appears ${values.length} times`);
        const problem = values.length === 1 ? schemaProblem(parameter.schema!, values[0]) : undefined;
        if (problem) problems.push(`${parameter.name}: ${problem}`);
      }
      return problems;
    },
    body(path: string, method: string, mediaType: string, body: unknown): string[] {
      const schema = document.paths[path]?.[method]?.requestBody?.content[mediaType]?.schema;
      if (!schema) return [`no ${mediaType} request body in the contract`];
      const problem = schemaProblem(schema, body);
      return problem ? [problem] : [];
    },
    response(path: string, method: string, status: number, headers: Record<string, string>, body: unknown): string[] {
      const declared = document.paths[path]?.[method]?.responses[String(status)];
      if (!declared) return [`status ${status} is not in the contract`];
      const problems = Object.entries(declared.headers ?? {})
        .filter(([name, header]) => header.required && headers[name.toLowerCase()] === undefined)
        .map(([name]) => `header ${name} is missing`);
      const schema = declared.content?.['application/json']?.schema;
      const problem = schema ? schemaProblem(schema, body) : undefined;
      if (problem) problems.push(problem);
      return problems;
    },
  };
}

const token = (bytes = 24) => randomBytes(bytes).toString('base64url');
const AUTHORIZE = '/api/v1/oauth2/authorize';
const TOKEN = '/api/v1/oauth2/token';
const USERINFO = '/api/v1/oauth2/userinfo';
const LOGOUT = '/api/v1/logout';

export async function startFakeOauthServer({
  clients,
  codeTtlMs = 60_000,
  accessTokenTtlSeconds = 7_200,
  rotateRefreshTokens = false,
}: FakeOauthOptions): Promise<FakeOauthServer> {
  const contract = contractChecker(await loadContract());
  const codes = new Map<string, { clientId: string; redirectUri: string; claims: Claims; expiresAt: number }>();
  const accessTokens = new Map<string, { claims: Claims; expiresAt: number }>();
  const refreshTokens = new Map<string, { clientId: string; claims: Claims }>();
  const hanging = new Set<ServerResponse>();

  const fake: FakeOauthServer = {
    url: '',
    clock: { now: Date.now() },
    signedIn: undefined,
    deny: false,
    faults: {},
    requests: [],
    violations: [],
    reset() {
      Object.assign(fake, { signedIn: undefined, deny: false, faults: {}, requests: [], violations: [] });
      fake.clock.now = Date.now();
      codes.clear();
      accessTokens.clear();
      refreshTokens.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const client = (clientId: unknown, clientSecret?: unknown) =>
    clients.find((c) => c.clientId === clientId && (clientSecret === undefined || c.clientSecret === clientSecret));

  /** Answers, after checking the answer against the contract. */
  const send = (res: ServerResponse, path: string, method: string, status: number, body?: object, headers: Record<string, string> = {}) => {
    for (const problem of contract.response(path, method, status, headers, body))
      fake.violations.push(`answer of ${method.toUpperCase()} ${path} (${status}): ${problem}`);
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }) }).end(text);
  };
  const redirect = (res: ServerResponse, path: string, location: string) => send(res, path, 'get', 302, undefined, { location });
  const loginPage = (query: Record<string, string>) => `${fake.url}/login?${new URLSearchParams(query)}`;

  function authorize(query: URLSearchParams, res: ServerResponse) {
    const problems = contract.query(AUTHORIZE, 'get', query);
    fake.violations.push(...problems.map((p) => `request to authorize: ${p}`));
    const registered = client(query.get('client_id'));
    const redirectUri = query.get('redirect_uri') ?? '';
    // RFC 6749 §4.1.2.1: with an unknown client or callback, never redirect to the callback.
    if (problems.length > 0 || !registered || (registered.redirectUris?.length && !registered.redirectUris.includes(redirectUri))) {
      return redirect(res, AUTHORIZE, loginPage({ error: 'invalid_request' }));
    }
    if (!fake.signedIn) return redirect(res, AUTHORIZE, loginPage({ service: redirectUri }));
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (fake.deny) back.searchParams.set('error', 'access_denied');
    else {
      const code = token(15);
      codes.set(code, { clientId: registered.clientId, redirectUri, claims: fake.signedIn, expiresAt: fake.clock.now + codeTtlMs });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    redirect(res, AUTHORIZE, back.href);
  }

  function grant(form: Record<string, string>, res: ServerResponse) {
    const refuse = (status: number, error: string, description: string) => send(res, TOKEN, 'post', status, { error, error_description: description });
    if (!client(form.client_id, form.client_secret)) return refuse(400, 'invalid_client', 'Bad client credentials');
    const issue = (clientId: string, claims: Claims, refreshToken?: string) => {
      const accessToken = token();
      accessTokens.set(accessToken, { claims, expiresAt: fake.clock.now + accessTokenTtlSeconds * 1000 });
      const refresh = refreshToken ?? token();
      refreshTokens.set(refresh, { clientId, claims });
      send(res, TOKEN, 'post', 200, {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: accessTokenTtlSeconds,
        scope: 'get_user_info',
        refresh_token: refresh,
      });
    };
    if (form.grant_type === 'authorization_code') {
      const code = codes.get(form.code ?? '');
      codes.delete(form.code ?? '');
      const valid =
        code &&
        code.clientId === form.client_id &&
        code.expiresAt > fake.clock.now &&
        (form.redirect_uri === undefined || form.redirect_uri === code.redirectUri);
      return valid ? issue(code.clientId, code.claims) : refuse(400, 'invalid_grant', 'Invalid authorization code');
    }
    if (form.grant_type === 'refresh_token') {
      const refresh = refreshTokens.get(form.refresh_token ?? '');
      if (!refresh || refresh.clientId !== form.client_id) return refuse(400, 'invalid_grant', 'Invalid refresh token');
      if (rotateRefreshTokens) refreshTokens.delete(form.refresh_token!);
      return issue(refresh.clientId, refresh.claims, rotateRefreshTokens ? undefined : form.refresh_token);
    }
    refuse(400, 'unsupported_grant_type', 'Unsupported grant type');
  }

  function fault(res: ServerResponse, kind: TokenFault | UserinfoFault) {
    if (kind === 'hang') hanging.add(res);
    else if (kind === 'notJson') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    else res.writeHead(500, { 'content-type': 'text/plain' }).end('java.lang.NullPointerException at com.example.Auth');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', fake.url);
    const key = `${req.method} ${url.pathname}`;
    fake.requests.push(key);
    if (key === `GET ${AUTHORIZE}`) return authorize(url.searchParams, res);
    if (key === `POST ${TOKEN}`) {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      if (fake.faults.token) return fault(res, fake.faults.token);
      const type = req.headers['content-type'] ?? '';
      const form = Object.fromEntries(new URLSearchParams(raw));
      const problems = type.startsWith('application/x-www-form-urlencoded')
        ? contract.body(TOKEN, 'post', 'application/x-www-form-urlencoded', form)
        : [`content-type ${type}`];
      fake.violations.push(...problems.map((p) => `request to token: ${p}`));
      if (problems.length > 0) return send(res, TOKEN, 'post', 400, { error: 'invalid_request', error_description: 'Malformed token request' });
      return grant(form, res);
    }
    if (key === `GET ${USERINFO}`) {
      if (fake.faults.userinfo) return fault(res, fake.faults.userinfo);
      if (req.headers.accept !== 'application/json') fake.violations.push('request to userinfo: Accept is not application/json');
      const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      const access = bearer === undefined ? undefined : accessTokens.get(bearer);
      if (!access || access.expiresAt <= fake.clock.now) {
        return send(res, USERINFO, 'get', 401, { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' });
      }
      return send(res, USERINFO, 'get', 200, access.claims);
    }
    if (key === `GET ${LOGOUT}`) {
      fake.violations.push(...contract.query(LOGOUT, 'get', url.searchParams).map((p) => `request to logout: ${p}`));
      fake.signedIn = undefined;
      return redirect(res, LOGOUT, url.searchParams.get('redirect_url') ?? loginPage({}));
    }
    // The auth centre's own pages (the login page) are outside the contract.
    res.writeHead(key.startsWith('GET /login') ? 200 : 404, { 'content-type': 'text/html' }).end('<html>auth centre</html>');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      fake.violations.push(`fake failed: ${error.message}`);
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
