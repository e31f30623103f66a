import { parseArgs } from 'node:util';
import { startWeaviateServer } from '@auth/testing';
import { adapters } from './clients.js';
import { embeddedTarget, inTableOrder, runAll, summarize } from './demo.js';
import { credentialKinds, type Row, type Target } from './scenario.js';
import { formatHeader, formatRow, legend } from './table.js';

const usage = `Usage: pnpm demo [options]       (pnpm demo -- [options] works too)

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
const options = {
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
} as const;

/** Our own words for a command-line mistake: the option's name, never a value (it may be a secret). */
function mistake(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const option = /'(--?[a-z][a-z-]*)/i.exec(message)?.[1];
  if (/Unknown option/.test(message) && option) return `unknown option '${option}'`;
  if (/argument missing|ambiguous/.test(message) && option) return `${option} needs a value`;
  if (/does not take an argument/.test(message) && option) return `${option} takes no value`;
  return 'unexpected argument (not shown, in case it is a secret)';
}

// `pnpm demo -- --help` hands the script a literal `--`; the demo takes no positional arguments.
const args = process.argv.slice(2).filter((arg) => arg !== '--');
let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  values = parseArgs({ args, options }).values;
} catch (error) {
  console.error(`demo: ${mistake(error)}. Run 'pnpm demo --help' for the options.`);
  process.exit(2);
}

if (values.help) {
  console.log(usage);
  process.exit(0);
}

const env = process.env;
const tokenLifetime = 3;

async function targetFromArguments(): Promise<{
  target: Target;
  close: () => Promise<void>;
  where: string;
  /** The tokens' lifetime in seconds, when the demo knows it (the embedded server's). */
  lifetime?: number;
}> {
  const url = values.url ?? env.WEAVIATE_URL;
  if (!url) {
    const server = await startWeaviateServer({ accessTokenTtl: tokenLifetime });
    const target = embeddedTarget(server, Number(values.pause ?? tokenLifetime + 0.5));
    return {
      target,
      close: () => server.close(),
      where: `embedded server ${server.url} (tokens live ${tokenLifetime} s)`,
      lifetime: tokenLifetime,
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

/**
 * Stops cleanly on Ctrl-C (and SIGTERM): `stop`, then exit 0. On a terminal Ctrl-C is read as a key rather
 * than left to become SIGINT, which the terminal would also send to pnpm: pnpm 12.4 then reports
 * "ELIFECYCLE Command failed" whatever the demo does. Returns a function that stops listening.
 */
function onCtrlC(stop: () => Promise<void>): () => void {
  let stopping = false;
  const handle = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  const onKey = (data: Buffer) => {
    if (data.includes(3)) handle();
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
  const terminal = process.stdin.isTTY;
  if (terminal) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onKey).resume();
  }
  return () => {
    process.off('SIGINT', handle);
    process.off('SIGTERM', handle);
    if (terminal) {
      process.stdin.off('data', onKey).setRawMode(false);
      process.stdin.pause();
    }
  };
}

// Listening from the start: a Ctrl-C typed before the terminal is in raw mode would reach pnpm as SIGINT.
let stopWork = async () => {};
const stopListening = onCtrlC(() => stopWork());

if (values.browser) {
  const { startBrowserDemo } = await import('./browser-server.js');
  const demo = await startBrowserDemo({ tokenLifetime });
  stopWork = async () => {
    console.log('Stopping the page server and the embedded server.');
    await demo.close();
  };
  console.log(`Browser demo: open ${demo.pageUrl}  (embedded server ${demo.server.url}; Ctrl-C to stop)`);
} else {
  const { target, close, where, lifetime } = await targetFromArguments();
  stopWork = async () => {
    if (!values.json) console.log('\nStopped (Ctrl-C) before every scenario had finished.');
    await close();
  };
  const started = Date.now();
  const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
  let paused = false;
  target.onPause = () => {
    if (paused || values.json) return;
    paused = true;
    console.log(
      lifetime === undefined
        ? `[${elapsed()} s] first round done; waiting ${target.pause} s before the second round`
        : `[${elapsed()} s] first round done; waiting ${target.pause} s, past the ${lifetime} s token lifetime, so that every OIDC token has to be renewed`,
    );
  };
  if (!values.json) {
    console.log(
      `Running ${adapters.length} adapters x ${credentialKinds.length} credential kinds against ${where}\n`,
    );
    console.log(formatHeader());
  }
  let rows: Row[] = [];
  let previous: Row | undefined;
  const print = inTableOrder((row) => {
    if (previous !== undefined && previous.adapter !== row.adapter) console.log('');
    console.log(formatRow(row, previous?.adapter !== row.adapter));
    previous = row;
  });
  try {
    rows = await runAll(target, (row) => {
      if (!values.json) print(row);
    });
  } finally {
    stopListening();
    await close();
  }
  const summary = summarize(rows);
  const seconds = elapsed();
  const failed = rows.filter((row) => row.outcome === 'failed');
  if (values.json) {
    console.log(JSON.stringify({ target: where, seconds: Number(seconds), summary, rows }, null, 2));
  } else {
    console.log(`\n${legend}`);
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
