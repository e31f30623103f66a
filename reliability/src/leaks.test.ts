import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  type Auth,
  type AuthEvent,
  apiKey,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  memoryStore,
  oidcPassword,
  type TokenStore,
  tokenSource,
} from '@auth/core';
import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Adapter,
  type Client,
  httpStatusOf,
  type RecordingProxy,
  sleep,
  startRecordingProxy,
} from './harness.js';
import { eachAdapter } from './known-bugs.js';

/**
 * The leak audit. Every secret is recognisable (`SECRET-<kind>-<random>`) or recorded as it is created
 * (tokens the provider issues, through a recording token store and the recording proxy). Scenarios run
 * every credential kind through every adapter, including the failures of faults.test.ts; the audit keeps
 * every thrown error, every event and everything written to the console, stdout and stderr, and checks
 * that no rendering of any of them contains any secret.
 */

const secret = (kind: string) =>
  `SECRET-${kind}-${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;

class Audit {
  readonly secrets = new Set<string>();
  /** Our own objects: AuthErrors, events, auth objects, credentials. */
  readonly ours: unknown[] = [];
  /** Every error the clients threw, before the harness turned HTTP errors into statuses. */
  readonly thrown: unknown[] = [];

  /** Errors the HTTP libraries threw (AxiosError, ky's HTTPError, graphql-request's ClientError). */
  get library(): unknown[] {
    return this.thrown.filter((error) => httpStatusOf(error) !== undefined);
  }

  add(...values: (string | undefined)[]): void {
    for (const value of values) if (value && value.length >= 8) this.secrets.add(value);
  }

  /** A token store that records every access and refresh token it is given. */
  /**
   * A token store that records every access and refresh token it is given, and every key it is asked
   * about (keys must never contain a secret; a store passed in is a shared one, so keys are fingerprints).
   */
  store(): TokenStore {
    const inner = memoryStore();
    return {
      get: (key) => {
        this.keys.add(key);
        return inner.get(key);
      },
      delete: (key) => {
        this.keys.add(key);
        return inner.delete(key);
      },
      set: (key, token) => {
        this.keys.add(key);
        this.add(token.accessToken, token.refreshToken);
        return inner.set(key, token);
      },
    };
  }

  /** Every key a token store was asked about. */
  readonly keys = new Set<string>();

  /** Runs one request; keeps what it threw (split into ours and the library's). */
  async run(task: () => Promise<unknown>): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.ours.push(error);
    }
  }

  /** Secrets the caller put in its own URLs: ours must not repeat them, the HTTP library may. */
  readonly callers = new Set<string>();

  findings(objects: unknown[], output: readonly string[], ignore: ReadonlySet<string> = new Set()): string[] {
    const found: string[] = [];
    const texts: [string, string][] = [
      ...objects.flatMap((object) => renderings(object)),
      ...output.map((text, index): [string, string] => [`console/stdout/stderr write #${index}`, text]),
    ];
    for (const [how, text] of texts) {
      for (const value of this.secrets) {
        if (!ignore.has(value) && text.includes(value)) found.push(`${how} contains ${value.slice(0, 14)}…`);
      }
    }
    return [...new Set(found)];
  }
}

function label(object: unknown): string {
  if (object instanceof Error) return object.name;
  if (object && typeof object === 'object' && 'type' in object) return `event ${String(object.type)}`;
  return typeof object;
}

/** Every way an object ends up in a log: String, JSON, console.log's inspect, a deep inspect, each cause. */
function renderings(object: unknown): [string, string][] {
  const out: [string, string][] = [];
  let current: unknown = object;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const name = `${label(object)}${depth ? ` (cause ${depth})` : ''}`;
    out.push([`String(${name})`, String(current)]);
    try {
      out.push([`JSON.stringify(${name})`, JSON.stringify(current) ?? '']);
    } catch {
      // circular: the inspections below still cover it
    }
    out.push([`console.log(${name})`, inspect(current)]);
    out.push([`util.inspect(${name}, deep)`, inspect(current, { depth: 12, showHidden: true })]);
    if (current instanceof Error) out.push([`${name}.stack`, current.stack ?? '']);
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/** Everything written to the console, stdout and stderr while the audit runs. */
const output: string[] = [];
const audits = new Map<string, Audit>();

interface Rig {
  server: WeaviateServer;
  proxy: RecordingProxy;
  password: string;
  clientSecret: string;
  apiKey: string;
}
const open: Rig[] = [];

/** A server with recognisable secrets (2 s tokens) behind a recording proxy; closed after the file. */
async function startRig(): Promise<Rig> {
  const password = secret('PASSWORD');
  const clientSecret = secret('CLIENTSECRET');
  const key = secret('APIKEY');
  const server = await startWeaviateServer({
    accessTokenTtl: 2,
    apiKeys: [{ key, user: 'auditor', role: 'admin' }],
    users: [{ username: 'auditor', password, role: 'admin' }],
    clients: [{ clientId: 'audit-service', clientSecret, role: 'admin' }],
  });
  const proxy = await startRecordingProxy(server.url);
  const rig = { server, proxy, password, clientSecret, apiKey: key };
  open.push(rig);
  return rig;
}

beforeAll(() => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      output.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.flatMap(({ server, proxy }) => [server.close(), proxy.close()]));
});

type Kind = 'apiKey' | 'apiKey(fn)' | 'oidcPassword' | 'clientCredentials' | 'bearerToken' | 'tokenSource';
const kinds: Kind[] = [
  'apiKey',
  'apiKey(fn)',
  'oidcPassword',
  'clientCredentials',
  'bearerToken',
  'tokenSource',
];

async function credentialsFor(kind: Kind, rig: Rig, audit: Audit): Promise<Credentials> {
  const { server } = rig;
  switch (kind) {
    case 'apiKey':
      return apiKey(rig.apiKey);
    case 'apiKey(fn)': {
      const key = server.keys.create('admin', 'auditor');
      audit.add(key);
      return apiKey(async () => key);
    }
    case 'oidcPassword':
      return oidcPassword({ username: 'auditor', password: rig.password });
    case 'clientCredentials':
      return clientCredentials({ clientId: 'audit-service', clientSecret: rig.clientSecret });
    case 'bearerToken': {
      const tokens = await server.issueTokens({ username: 'auditor', password: rig.password });
      audit.add(tokens.accessToken, tokens.refreshToken);
      return bearerToken(tokens);
    }
    case 'tokenSource':
      return tokenSource(async (_signal, { refreshToken }) => {
        const issued = await server.issueTokens({ username: 'auditor', password: rig.password });
        audit.add(issued.accessToken, issued.refreshToken, refreshToken);
        return {
          accessToken: issued.accessToken,
          expiresIn: issued.expiresIn,
          refreshToken: issued.refreshToken,
        };
      });
  }
}

/** One group of scenarios on its own server (faults are per server), for one adapter. */
async function group(
  adapter: Adapter,
  audit: Audit,
  run: (tools: {
    rig: Rig;
    make: (
      kind: Kind,
      extra?: { timeout?: number; credentials?: Credentials },
    ) => Promise<{ auth: Auth; client: Client }>;
    request: (client: Client) => Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  const rig = await startRig();
  const { server, proxy } = rig;
  const events: AuthEvent[] = [];
  const moduleKey = secret('MODULEKEY');
  audit.add(rig.password, rig.clientSecret, rig.apiKey, moduleKey);
  const auths: Auth[] = [];
  const make = async (kind: Kind, extra: { timeout?: number; credentials?: Credentials } = {}) => {
    const auth = createAuth({
      baseUrl: proxy.url,
      credentials: extra.credentials ?? (await credentialsFor(kind, rig, audit)),
      headers: { 'X-OpenAI-Api-Key': moduleKey },
      onEvent: (event) => events.push(event),
      store: audit.store(),
      ...(extra.timeout ? { timeout: extra.timeout } : {}),
    });
    auths.push(auth);
    audit.ours.push(auth);
    return { auth, client: adapter.create(auth, proxy.url, { thrown: audit.thrown }) };
  };
  // The caller's own secret in a query string must not reach our events or errors either.
  const querySecret = secret('QUERY');
  audit.add(querySecret);
  audit.callers.add(querySecret);
  const request = (client: Client) => audit.run(() => client.request(`/v1/objects?key=${querySecret}`));
  try {
    await run({ rig, make, request });
  } finally {
    server.faults.reset();
    await Promise.all(auths.map((auth) => auth.close()));
    for (const value of proxy.authorizations()) audit.add(value, value?.replace(/^Bearer /, ''));
    for (const seen of proxy.seen) audit.add(seen.headers['x-openai-api-key'] as string | undefined);
    audit.ours.push(...events);
  }
}

/** Every scenario, in groups that run side by side, each group on its own server. */
function scenarios(adapter: Adapter, audit: Audit): Promise<unknown> {
  const perKind = kinds.map((kind) =>
    group(adapter, audit, async ({ rig, make, request }) => {
      // Success, then a 401 (every token revoked, or the key deleted), then the retry or the failure.
      const { client } = await make(kind);
      await request(client);
      if (kind === 'apiKey') {
        const wrongKey = secret('APIKEYBAD');
        audit.add(wrongKey);
        const wrong = await make(kind, { credentials: apiKey(wrongKey) });
        await request(wrong.client);
      }
      rig.server.faults.revokeAllTokens();
      if (kind === 'apiKey') rig.server.keys.delete(rig.apiKey); // deleted at run time: a 401
      await request(client);
      await request(client);
    }),
  );
  // Token endpoint failures, each with a fresh auth object (no token yet), so that the caller sees them.
  const failures = (['oidcPassword', 'clientCredentials'] as const).map((kind) =>
    group(adapter, audit, async ({ rig, make, request }) => {
      const { faults } = rig.server;
      for (const fault of [
        () => faults.failTokenRequests(4, 503),
        () => faults.invalidGrant(1),
        () => faults.malformedTokenResponses('non-json', 4),
        () => faults.malformedTokenResponses('html', 4),
        () => faults.malformedTokenResponses('no-access-token', 4),
        () => faults.malformedTokenResponses('token-type-mac', 4),
      ]) {
        faults.reset();
        const fresh = await make(kind);
        fault();
        await request(fresh.client);
      }
    }),
  );
  // A wrong password and a wrong client secret: the provider refuses them.
  const wrongSecrets = group(adapter, audit, async ({ make, request }) => {
    const wrongPassword = secret('WRONGPASSWORD');
    const wrongSecret = secret('WRONGCLIENTSECRET');
    audit.add(wrongPassword, wrongSecret);
    for (const credentials of [
      oidcPassword({ username: 'auditor', password: wrongPassword }),
      clientCredentials({ clientId: 'audit-service', clientSecret: wrongSecret }),
    ]) {
      await request((await make('oidcPassword', { credentials })).client);
    }
  });
  // A hanging token endpoint (timeout), then close() while a request waits on it.
  const hangs = group(adapter, audit, async ({ rig, make, request }) => {
    rig.server.faults.hangTokenRequests(2_000, 4);
    await request((await make('oidcPassword', { timeout: 200 })).client);
    rig.server.faults.hangTokenRequests(5_000, 1);
    const closed = await make('clientCredentials');
    const waiting = request(closed.client);
    await sleep(100);
    await closed.auth.close();
    await waiting;
    await request(closed.client);
  });
  // The provider down, with a fresh auth and with an expired token.
  const down = group(adapter, audit, async ({ rig, make, request }) => {
    const expiring = await make('oidcPassword', { timeout: 500 });
    await request(expiring.client);
    await rig.server.faults.stopProvider();
    try {
      await sleep(2_000);
      await request(expiring.client);
      await request((await make('clientCredentials', { timeout: 500 })).client);
    } finally {
      await rig.server.faults.startProvider();
    }
    await request(expiring.client);
  });
  return Promise.all([...perKind, ...failures, wrongSecrets, hangs, down]);
}

describe('leak audit: every credential kind through every adapter, including every failure', () => {
  eachAdapter()(
    '$name: no error, event or console/stdout/stderr output contains a secret or token',
    async (adapter) => {
      const audit = new Audit();
      audits.set(adapter.name, audit);
      await scenarios(adapter, audit);
      // Failures happened (refresh-failed events), and were audited.
      expect(audit.ours.some((object) => (object as AuthEvent).type === 'refresh-failed')).toBe(true);
      // The audit saw something: errors of every kind, and tokens to look for.
      expect(audit.ours.length).toBeGreaterThan(20);
      expect(audit.secrets.size).toBeGreaterThan(10);
      // Token store keys are audited like log lines: they end up in Redis, in monitoring, in dumps.
      expect(audit.keys.size).toBeGreaterThan(0);
      output.push(...[...audit.keys].map((key) => `store key ${key}`));
      const ours = [...audit.ours, ...audit.thrown.filter((error) => httpStatusOf(error) === undefined)];
      expect(audit.findings(ours, output)).toEqual([]);
    },
    60_000,
  );

  it('the audit itself finds a planted secret (it can fail)', () => {
    const audit = new Audit();
    const planted = secret('PLANTED');
    audit.add(planted);
    const cause = new Error(`upstream said ${planted}`);
    expect(audit.findings([new Error('wrapped', { cause })], [])).not.toEqual([]);
    expect(audit.findings([{ type: 'event', nested: { deeper: { deepest: planted } } }], [])).not.toEqual([]);
    expect(audit.findings([], [`log line ${planted}`])).not.toEqual([]);
  });
});

describe("the HTTP library's own error for a 401", () => {
  eachAdapter({}, { concurrent: false })(
    'carries no credential header (console.log(error) prints no token)',
    ({ name }) => {
      const audit = audits.get(name);
      if (!audit) throw new Error('the audit above did not run');
      // fetch resolves with the 401 Response: nothing is thrown.
      if (name !== 'fetch') expect(audit.library.length).toBeGreaterThan(0);
      expect(audit.findings(audit.library, [], audit.callers)).toEqual([]);
    },
  );
});
