import {
  type AuthEvent,
  apiKey,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  oidcPassword,
} from '@auth/core';
import { type AdapterName, createDemoClient, type DemoClient } from './clients.js';

/** The credential kinds the demo exercises, in table order. */
export const credentialKinds = [
  'admin API key',
  'read-only API key',
  'read + write keys',
  'username + password',
  'client credentials',
  'bearer + refresh',
] as const;
export type CredentialKind = (typeof credentialKinds)[number];

/** The kinds made of API keys: no token requests, no refresh. */
const apiKeyKinds: ReadonlySet<CredentialKind> = new Set([
  'admin API key',
  'read-only API key',
  'read + write keys',
]);

/** Where the scenarios run and with what. Every secret here stays here: rows never carry one. */
export interface Target {
  url: string;
  adminKey?: string | undefined;
  readOnlyKey?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** A fresh access + refresh token pair for the bearer scenario. */
  bearerTokens?:
    | (() => Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>)
    | undefined;
  /** Seconds each scenario waits between its two rounds; longer than the token lifetime, so a refresh happens. */
  pause: number;
  /** Whether a token refresh must be observed (true against the embedded server, whose lifetimes are short). */
  expectRefresh: boolean;
  /** A class holding one object, written with the admin key, for the read-only key to read. */
  sharedClass?: string | undefined;
  /** Sees every auth event of every scenario (events never carry a secret). */
  observe?: ((row: Row, event: AuthEvent) => void) | undefined;
  /** Called when a scenario starts its pause between the two rounds. */
  onPause?: (() => void) | undefined;
}

/** One row of the demo's table. */
export interface Row {
  adapter: AdapterName;
  credential: CredentialKind;
  /** HTTP requests the scenario made through the adapter (retries not counted). */
  requests: number;
  /** Successful token requests (initial grant and refreshes). */
  tokens: number;
  outcome: 'passed' | 'failed' | 'skipped';
  detail: string;
}

function credentialsFor(kind: CredentialKind, target: Target): Credentials | Promise<Credentials> | string {
  const missing = (what: string) => `not given: ${what}`;
  switch (kind) {
    case 'admin API key':
      return target.adminKey ? apiKey(target.adminKey) : missing('--api-key or WEAVIATE_API_KEY');
    case 'read-only API key':
      return target.readOnlyKey
        ? apiKey(target.readOnlyKey)
        : missing('--read-only-key or WEAVIATE_READ_ONLY_KEY');
    case 'read + write keys':
      // Least privilege: reads go out with the read-only key, writes with the admin key.
      return target.readOnlyKey && target.adminKey
        ? apiKey({ read: target.readOnlyKey, write: target.adminKey })
        : missing('--api-key and --read-only-key, or WEAVIATE_API_KEY and WEAVIATE_READ_ONLY_KEY');
    case 'username + password':
      return target.username && target.password
        ? oidcPassword({ username: target.username, password: target.password })
        : missing('--username and --password, or WEAVIATE_USERNAME and WEAVIATE_PASSWORD');
    case 'client credentials':
      return target.clientSecret
        ? clientCredentials({
            clientSecret: target.clientSecret,
            ...(target.clientId ? { clientId: target.clientId } : {}),
          })
        : missing('--client-secret or WEAVIATE_CLIENT_SECRET');
    case 'bearer + refresh':
      return target.bearerTokens
        ? target.bearerTokens().then((tokens) => bearerToken(tokens))
        : missing('--access-token and --refresh-token, or WEAVIATE_ACCESS_TOKEN and WEAVIATE_REFRESH_TOKEN');
  }
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

function className(adapter: AdapterName, kind: CredentialKind, runId: string): string {
  const words = `${adapter} ${kind}`
    .replace(/[^a-zA-Z0-9]+/g, ' ')
    .trim()
    .split(' ');
  return `Demo${words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')}${runId}`;
}

function countRequests(client: DemoClient, row: Row): DemoClient {
  return {
    createObject(...args) {
      row.requests++;
      return client.createObject(...args);
    },
    listObjects(...args) {
      row.requests++;
      return client.listObjects(...args);
    },
    graphql(...args) {
      row.requests++;
      return client.graphql(...args);
    },
    whoAmI() {
      row.requests++;
      return client.whoAmI();
    },
  };
}

async function countObjects(client: DemoClient, name: string): Promise<number> {
  const data = await client.graphql(`{ Aggregate { ${name} { meta { count } } } }`);
  const aggregate = data.Aggregate as Record<string, Array<{ meta: { count: number } }>> | undefined;
  return aggregate?.[name]?.[0]?.meta.count ?? 0;
}

/**
 * What the read + write keys show: their reads reach the server as the read-only key's user, and their writes,
 * which succeeded, cannot have gone out with the read-only key, whose write (`readOnly`, that key alone) gets a
 * 403. Returns the row's detail.
 */
async function leastPrivilege(client: DemoClient, readOnly: DemoClient, name: string): Promise<string> {
  const [reader, expected] = [await client.whoAmI(), await readOnly.whoAmI()];
  if (reader !== expected) {
    throw new Error(`reads went out as ${reader}, not as the read-only key's user ${expected}`);
  }
  const refused = await readOnly.createObject(name, { title: 'the read-only key alone' });
  if (refused !== 403)
    throw new Error(`a write with the read-only key alone answered ${refused}, expected 403`);
  // A server without own-info (a 404): the 403 alone says which key the writes did not use.
  const reads = reader === undefined ? 'reads' : `reads as ${reader}`;
  return `${reads} (read-only key), writes with the admin key (read-only key alone: 403)`;
}

/**
 * Runs one adapter with one credential kind: writes objects, lists them, queries them through GraphQL, waits
 * past the token lifetime, and does it again. A read-only key's write must come back 403; the read + write
 * keys must read as the read-only key's user and write where the read-only key alone gets that 403.
 */
export async function runScenario(
  adapter: AdapterName,
  kind: CredentialKind,
  target: Target,
  runId = '',
): Promise<Row> {
  const row: Row = { adapter, credential: kind, requests: 0, tokens: 0, outcome: 'failed', detail: '' };
  const credentials = await credentialsFor(kind, target);
  if (typeof credentials === 'string') return { ...row, outcome: 'skipped', detail: credentials };

  const auth = createAuth({
    baseUrl: target.url,
    credentials,
    onEvent: (event: AuthEvent) => {
      if (event.type === 'refresh-succeeded') row.tokens++;
      target.observe?.(row, event);
    },
  });
  const client = countRequests(createDemoClient(adapter, target.url, auth), row);
  // The read + write keys are compared with the read-only key alone.
  const readOnlyAuth =
    kind === 'read + write keys' && target.readOnlyKey
      ? createAuth({ baseUrl: target.url, credentials: apiKey(target.readOnlyKey) })
      : undefined;
  const readOnlyAlone =
    readOnlyAuth && countRequests(createDemoClient(adapter, target.url, readOnlyAuth), row);
  const readOnly = kind === 'read-only API key';
  const name = className(adapter, kind, runId);
  // The read-only key cannot write objects of its own; it reads the ones the admin key wrote.
  const readable = readOnly ? target.sharedClass : name;
  const expected = readOnly ? (target.sharedClass ? 1 : 0) : 3;

  async function round(writes: number) {
    for (let i = 0; i < writes; i++) {
      const status = await client.createObject(name, { title: `${adapter} / ${kind} #${i}` });
      const wanted = readOnly ? 403 : 200;
      if (status !== wanted) throw new Error(`write answered ${status}, expected ${wanted}`);
    }
    if (!readable) return;
    await client.listObjects(readable);
    await client.graphql(`{ Get { ${readable} { title } } }`);
  }

  try {
    await round(readOnly ? 1 : 2);
    target.onPause?.();
    await sleep(target.pause);
    await round(1);
    const count = readable ? await countObjects(client, readable) : 0;
    if (count !== expected) throw new Error(`GraphQL counted ${count} objects, expected ${expected}`);
    const oidc = !apiKeyKinds.has(kind);
    const minimumTokens = kind === 'bearer + refresh' ? 1 : 2;
    if (oidc && target.expectRefresh && row.tokens < minimumTokens) {
      throw new Error(`no token refresh observed (${row.tokens} token requests)`);
    }
    const proof = readOnlyAlone ? `; ${await leastPrivilege(client, readOnlyAlone, name)}` : '';
    row.outcome = 'passed';
    row.detail = readOnly
      ? 'reads ok; write rejected with 403, as expected'
      : `${expected} objects written, listed, counted by GraphQL${oidc ? '; token refreshed' : ''}${proof}`;
  } catch (error) {
    row.detail = error instanceof Error ? error.message : String(error);
  } finally {
    await Promise.all([auth.close(), readOnlyAuth?.close()]);
  }
  return row;
}
