import { parseArgs } from 'node:util';
import { startWeaviateServer } from '@auth/testing';
import { embeddedTarget, runAll, summarize } from './demo.js';
import type { Row, Target } from './scenario.js';
import { formatHeader, formatRow } from './table.js';

const usage = `Usage: pnpm demo [options]

Runs every adapter (axios, ky, graphql-request, fetch) with every credential kind against an embedded
Weaviate-compatible server, or against your cluster when --url is given.

Options:
  --json                   machine-readable output
  --browser                serve the browser page instead (open the printed URL)
  --url <url>              a real Weaviate cluster (WEAVIATE_URL)
  --api-key <key>          admin API key (WEAVIATE_API_KEY)
  --read-only-key <key>    read-only API key (WEAVIATE_READ_ONLY_KEY)
  --username <name>        OIDC username (WEAVIATE_USERNAME)
  --password <password>    OIDC password (WEAVIATE_PASSWORD)
  --client-secret <secret> OIDC client secret (WEAVIATE_CLIENT_SECRET)
  --client-id <id>         OIDC client id for client credentials (WEAVIATE_CLIENT_ID)
  --access-token <token>   bearer token (WEAVIATE_ACCESS_TOKEN), with --refresh-token (WEAVIATE_REFRESH_TOKEN)
  --expires-in <seconds>   the bearer token's remaining lifetime (WEAVIATE_EXPIRES_IN, default 60)
  --pause <seconds>        pause between a scenario's two rounds (default: past the token lifetime)
  -h, --help               this text`;

const string = { type: 'string' } as const;
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    browser: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    url: string,
    'api-key': string,
    'read-only-key': string,
    username: string,
    password: string,
    'client-secret': string,
    'client-id': string,
    'access-token': string,
    'refresh-token': string,
    'expires-in': string,
    pause: string,
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

const env = process.env;
const tokenLifetime = 3;

async function targetFromArguments(): Promise<{ target: Target; close: () => Promise<void>; where: string }> {
  const url = values.url ?? env.WEAVIATE_URL;
  if (!url) {
    const server = await startWeaviateServer({ accessTokenTtl: tokenLifetime });
    const target = embeddedTarget(server, Number(values.pause ?? tokenLifetime + 0.5));
    return {
      target,
      close: () => server.close(),
      where: `embedded server ${server.url} (tokens live ${tokenLifetime} s)`,
    };
  }
  const accessToken = values['access-token'] ?? env.WEAVIATE_ACCESS_TOKEN;
  const refreshToken = values['refresh-token'] ?? env.WEAVIATE_REFRESH_TOKEN;
  const expiresIn = Number(values['expires-in'] ?? env.WEAVIATE_EXPIRES_IN ?? 60);
  const target: Target = {
    url: url.replace(/\/+$/, ''),
    adminKey: values['api-key'] ?? env.WEAVIATE_API_KEY,
    readOnlyKey: values['read-only-key'] ?? env.WEAVIATE_READ_ONLY_KEY,
    username: values.username ?? env.WEAVIATE_USERNAME,
    password: values.password ?? env.WEAVIATE_PASSWORD,
    clientId: values['client-id'] ?? env.WEAVIATE_CLIENT_ID,
    clientSecret: values['client-secret'] ?? env.WEAVIATE_CLIENT_SECRET,
    bearerTokens:
      accessToken && refreshToken ? async () => ({ accessToken, refreshToken, expiresIn }) : undefined,
    pause: Number(values.pause ?? 2),
    expectRefresh: false,
  };
  return { target, close: async () => {}, where: new URL(target.url).origin };
}

if (values.browser) {
  const { startBrowserDemo } = await import('./browser-server.js');
  const demo = await startBrowserDemo({ tokenLifetime });
  console.log(`Browser demo: open ${demo.pageUrl}  (embedded server ${demo.server.url}; Ctrl-C to stop)`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  const { target, close, where } = await targetFromArguments();
  const started = Date.now();
  if (!values.json) {
    console.log(`Running 4 adapters x 5 credential kinds against ${where}\n`);
    console.log(formatHeader());
  }
  let rows: Row[] = [];
  try {
    rows = await runAll(target, (row) => {
      if (!values.json) console.log(formatRow(row));
    });
  } finally {
    await close();
  }
  const summary = summarize(rows);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const failed = rows.filter((row) => row.outcome === 'failed');
  if (values.json) {
    console.log(JSON.stringify({ target: where, seconds: Number(seconds), summary, rows }, null, 2));
  } else {
    console.log(
      `\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${seconds} s`,
    );
    if (failed.length > 0) {
      console.log('\nFailing rows:');
      for (const row of failed) console.log(formatRow(row));
    }
  }
  process.exitCode = failed.length > 0 ? 1 : 0;
}
