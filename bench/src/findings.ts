import { type Goal, goals as measureGoals } from './goals.js';
import { fmtBytes, fmtConfidence, fmtInt, fmtMs, fmtNum, fmtRatio, median } from './util/stats.js';
import type { Table } from './util/table.js';

function plural(count: number, noun: string): string {
  return `${fmtInt(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** The value of the first data key containing `part` and ending with `suffix`. */
function pick(table: Table | undefined, part: string, suffix = ''): number | undefined {
  if (!table) return undefined;
  for (const [key, value] of Object.entries(table.data)) {
    if (key.includes(part) && key.endsWith(suffix)) return value;
  }
  return undefined;
}

function defined(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

/**
 * Headline numbers and the honest list of where a peer beats us, computed from this run's tables so the
 * prose cannot drift from the numbers.
 */
export function findings(tables: Map<string, Table>): {
  headline: string[];
  losses: string[];
  goals: Goal[];
} {
  const headline: string[] = [];
  const losses: string[] = [];
  const goals = measureGoals(tables);
  const missed = goals.flatMap((goal) => (goal.missed ? [goal.missed] : []));
  if (missed.length > 0) {
    losses.push(
      `**Goals not reached in this run** (see "Goals" above; the reasons follow): ${missed.join('; ')}.`,
    );
  }

  const hot = tables.get('hot-path');
  const ours = pick(hot, 'cached OIDC token', ' ns');
  const google = pick(hot, 'google-auth-library', ' ns');
  const googleRatio = pick(hot, 'google-auth-library', ' ratio');
  const badgateway = pick(hot, 'getAccessToken', ' ns');
  const badgatewayRatio = pick(hot, 'getAccessToken', ' ratio');
  const ourWrapper = pick(hot, '@auth/fetch', ' ns');
  const badgatewayWrapper = pick(hot, 'OAuth2Fetch.fetch', ' ns');
  const wrapperRatio = pick(hot, 'OAuth2Fetch.fetch', ' ratio');
  if (defined(ours)) {
    const parts = [`**Hot path:** \`authorize(url)\` with a cached token takes ${fmtNum(ours)} ns`];
    if (defined(google) && defined(googleRatio))
      parts.push(
        `google-auth-library's \`getRequestHeaders()\` ${fmtNum(google)} ns (${fmtRatio(googleRatio)} ours)`,
      );
    if (defined(badgateway) && defined(badgatewayRatio))
      parts.push(
        `@badgateway's \`getAccessToken()\` ${fmtNum(badgateway)} ns (${fmtRatio(badgatewayRatio)})`,
      );
    headline.push(`${parts.join('; ')}.`);
    if (defined(ourWrapper) && defined(badgatewayWrapper) && defined(wrapperRatio)) {
      headline.push(
        `**Wrapped fetch over a canned response:** @auth/fetch ${fmtNum(ourWrapper)} ns per request, ` +
          `@badgateway \`OAuth2Fetch.fetch()\` ${fmtNum(badgatewayWrapper)} ns (${fmtRatio(wrapperRatio)}).`,
      );
    }
    if (defined(googleRatio) && googleRatio < 1) {
      losses.push(`**Hot path vs google-auth-library** (${fmtRatio(googleRatio)}): ${lossReasons.hotPath}`);
    }
    if (defined(badgatewayRatio) && badgatewayRatio < 1) {
      losses.push(
        `**Hot path vs @badgateway/oauth2-client \`getAccessToken()\`** (${fmtRatio(badgatewayRatio)}): ` +
          `${lossReasons.hotPathBadgateway}`,
      );
    }
    if (defined(wrapperRatio) && wrapperRatio < 1) {
      losses.push(
        `**Wrapped fetch vs @badgateway \`OAuth2Fetch.fetch()\`** (${fmtRatio(wrapperRatio)}): ${lossReasons.wrapper}`,
      );
    }
  }

  const throughput = tables.get('throughput');
  const canned = tables.get('overhead-canned');
  if (throughput) {
    const ratios = Object.entries(throughput.data)
      .filter(([key]) => key.endsWith(' ratio'))
      .map(([key, value]) => [key.slice(0, -' ratio'.length), value] as const);
    const oursRatios = ratios.filter(([name]) => name.startsWith('@auth/'));
    const added = (name: string) => canned?.data[`${name} added us`];
    if (oursRatios.length > 0) {
      headline.push(
        `**Per-request overhead** through a real keep-alive server, adapter ÷ bare client: ${oursRatios
          .map(([name, value]) => `${name} ${fmtRatio(value)}`)
          .join(', ')}` +
          (canned
            ? `; with no network at all, the adapters add ${oursRatios
                .map(([name]) => `${fmtNum(added(name) ?? Number.NaN)} µs`)
                .join(', ')} per request (same order).`
            : '.'),
      );
    }
    const peer = ratios.find(([name]) => name.includes('axios-auth-refresh'));
    const ourAxios = ratios.find(([name]) => name === '@auth/axios');
    const peerAdded = peer ? added(peer[0]) : undefined;
    const ourAdded = added('@auth/axios');
    const axiosLoss =
      defined(peerAdded) && defined(ourAdded)
        ? ourAdded > peerAdded + 3
        : peer !== undefined && ourAxios !== undefined && peer[1] > ourAxios[1] + 0.05;
    if (peer && ourAxios && axiosLoss) {
      losses.push(
        `**Per-request cost vs axios-auth-refresh:** with no network @auth/axios adds ` +
          `${fmtNum(ourAdded ?? Number.NaN)} µs per request to bare axios, axios-auth-refresh + a header ` +
          `interceptor ${fmtNum(peerAdded ?? Number.NaN)} µs (against the loopback server: ` +
          `${fmtRatio(ourAxios[1])} vs ${fmtRatio(peer[1])} of bare axios). ${lossReasons.axiosThroughput}`,
      );
    }
    // The median's confidence interval over the rounds (see `medianInterval`), e.g. " (96 % interval 0.90x–0.95x)".
    const spread = (name: string) => {
      const [low, high, level] = [`${name} ratio low`, `${name} ratio high`, 'ratio confidence'].map(
        (key) => throughput.data[key],
      );
      return defined(low) && defined(high)
        ? ` (${fmtConfidence(level)} ${fmtRatio(low)}–${fmtRatio(high)})`
        : '';
    };
    const groups = new Map<string, (readonly [string, number])[]>();
    for (const entry of oursRatios) {
      if (entry[1] >= 0.97) continue;
      const key = Object.keys(adapterReasons).find((prefix) => entry[0].startsWith(prefix)) ?? entry[0];
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    let index = 0;
    for (const [key, entries] of groups) {
      index++;
      const extras = entries.map(([name]) => added(name));
      const medians = entries.map(([name]) => canned?.data[`${name} added median request us`]);
      losses.push(
        `**Throughput, ${entries.map(([name]) => name).join(' / ')}:** ` +
          `${entries.map(([name, value]) => `${fmtRatio(value)}${spread(name)}`).join(' / ')} of the bare client` +
          (extras.every(defined)
            ? `; with no network it adds ${extras.map((extra) => fmtNum(extra ?? Number.NaN)).join(' / ')} µs per request` +
              (medians.every(defined)
                ? ` (the median request: ${medians.map((value) => fmtNum(value ?? Number.NaN)).join(' / ')} µs)`
                : '')
            : '') +
          (defined(ours) ? ` (\`authorize()\` itself: about ${fmtNum(ours / 1000)} µs)` : '') +
          `. ${adapterReasons[key] ?? ''}` +
          (index === groups.size ? ` ${lossReasons.adapterCost}` : ''),
      );
    }
  }

  for (const id of ['storm-expired', 'storm-401']) {
    const storm = tables.get(id);
    if (!storm) continue;
    const expired = id === 'storm-expired';
    const label = expired ? 'Expired-token storm' : '401 storm';
    const names = Object.keys(storm.data)
      .filter((key) => key.endsWith(' token calls'))
      .map((key) => key.slice(0, -' token calls'.length));
    const value = (name: string, what: string) => pick(storm, `${name} ${what}`) ?? Number.NaN;
    const ourNames = names.filter((name) => name.startsWith('@auth/'));
    // The "under" rows (@badgateway under ky or graphql-request) are partners in the table, not headline peers.
    const peerNames = names.filter(
      (name) => !name.startsWith('@auth/') && !name.startsWith('(variant)') && !name.includes('` under '),
    );
    const variant = names.find((name) => name.startsWith('(variant)'));
    const ourCalls = ourNames.map((name) => value(name, 'token calls'));
    const ourFailed = ourNames.reduce((sum, name) => sum + value(name, 'failed'), 0);
    const ourP99 = median(ourNames.map((name) => value(name, 'added p99')));
    const describePeer = (name: string) =>
      `${name} ${plural(value(name, 'token calls'), 'token call')}, ${fmtInt(value(name, 'failed'))} of ` +
      `${fmtInt(value(name, 'requests'))} failed` +
      (value(name, 'discovery') > 1 ? `, ${fmtInt(value(name, 'discovery'))} discovery GETs` : '') +
      (expired ? '' : `, added p99 ${fmtMs(value(name, 'added p99'), true)}`);
    headline.push(
      `**${label}:** our ${ourNames.length} adapters ${
        ourCalls.every((calls) => calls === ourCalls[0])
          ? `${fmtInt(ourCalls[0] ?? Number.NaN)} token call each`
          : `${ourCalls.map(fmtInt).join('/')} token calls`
      }, ${fmtInt(ourFailed)} failed requests in all` +
        (expired ? '' : `, added p99 ${fmtMs(ourP99, true)} (median of the adapters)`) +
        `; ${peerNames.map(describePeer).join('; ')}.`,
    );
    if (expired) continue; // at 10,000 the latency columns are queueing noise (see the table's note)
    for (const name of peerNames) {
      const failed = value(name, 'failed');
      const p99 = value(name, 'added p99');
      if (failed !== 0 || !(p99 < ourP99)) continue;
      const variantP99 = variant ? value(variant, 'added p99') : Number.NaN;
      const discovered = ourNames.reduce((sum, ours) => sum + value(ours, 'discovery'), 0);
      const parts = [
        `**${label}, added latency vs ${name}** (added p99 ${fmtMs(p99, true)} vs ${fmtMs(ourP99, true)}, ` +
          `median of our adapters; ${plural(value(name, 'token calls'), 'token call')} to our 1): ` +
          lossReasons.stormLatency,
      ];
      if (discovered === 0) parts.push(lossReasons.stormDiscoveryWarm);
      if (defined(variantP99)) {
        parts.push(
          `The "(variant)" row, @auth/fetch posting the refresh grant itself (no openid-client), comes out at ` +
            `${fmtMs(variantP99, true)}${variantP99 <= p99 + 50 ? `, close to ${name}'s` : ''}.`,
        );
      }
      const cpu = (who: string, what = 'cpu per request') => value(who, what) * 1000;
      const ourCpu = median(ourNames.map((ours) => cpu(ours)));
      const peerCpu = cpu(name);
      if (defined(ourCpu) && defined(peerCpu)) {
        // The client in a process of its own: its CPU time per request, storm and baseline.
        const ourBaseCpu = median(ourNames.map((ours) => cpu(ours, 'base cpu per request')));
        const besideCpu = median(ourNames.map((ours) => cpu(ours, 'beside badgateway cpu per request')));
        parts.push(
          `The client's process used ${fmtInt(ourCpu)} µs of CPU per request in our adapters' storms (median; ` +
            `${fmtInt(ourBaseCpu)} µs per request in their baselines) and ${fmtInt(peerCpu)} µs in ` +
            `${name}'s (${fmtInt(cpu(name, 'base cpu per request'))} µs in its baseline; ${fmtInt(besideCpu)} µs ` +
            `in the runs beside ours). ${lossReasons.stormProfile}`,
        );
      }
      if (ourNames.some((ours) => ours.startsWith('@auth/ky'))) parts.push(lossReasons.stormRetryPass);
      losses.push(parts.join(' '));
    }
  }

  const fleet = tables.get('fleet-storm');
  if (fleet) {
    const value = (key: string) => fleet.data[key] ?? Number.NaN;
    const grant = (prefix: string) => {
      const ok = value(`${prefix} after ok`);
      const requests = value(`${prefix} after requests`);
      if (ok === requests) return 'the grant survives';
      return ok === 0 ? 'the grant is lost' : `the grant partly works (${fmtInt(ok)} of ${fmtInt(requests)})`;
    };
    const side = (prefix: string) =>
      `${plural(value(`${prefix} token requests`), 'token request')} at expiry, ` +
      `${fmtInt(value(`${prefix} failed`))} of ${fmtInt(value(`${prefix} requests`))} requests failed, ${grant(prefix)}`;
    headline.push(
      `**Fleet storm** (${fleet.title.replace(/^Fleet storm: /, '')}): each process on its own ${side('memory')}; ` +
        `with \`@auth/redis-store\` ${side('redis')}.`,
    );
  }

  const size = tables.get('size');
  if (size) {
    // Eager code, as rolldown (Vite's bundler) splits it; the table has esbuild's numbers too.
    const eager = (name: string) => pick(size, `${name} [rolldown]`);
    const apiKeyOnly = eager('`createAuth` + `apiKey` only');
    const oidcFirst = pick(size, '`createAuth` + `oidcPassword` [rolldown]', ' before first token request');
    const full = eager('every credential kind (OIDC included)');
    const fullLazy = pick(size, 'every credential kind (OIDC included) [rolldown]', ' lazy');
    const refresh = eager('axios-auth-refresh (axios external)');
    const badgatewaySize = eager('@badgateway/oauth2-client: `OAuth2Client` + `OAuth2Fetch`');
    const axiosWithKey = eager('@auth/axios + core, `apiKey` only');
    headline.push(
      `**Size (min+gzip, rolldown, loaded with the app):** core with \`apiKey\` only ` +
        `${fmtBytes(apiKeyOnly ?? Number.NaN)}; with \`oidcPassword\` ${fmtBytes(oidcFirst ?? Number.NaN)} ` +
        `before the first token request; every credential kind ${fmtBytes(full ?? Number.NaN)} ` +
        `(+ ${fmtBytes(fullLazy ?? Number.NaN)} loaded when first needed, openid-client included); ` +
        `axios-auth-refresh ${fmtBytes(refresh ?? Number.NaN)}, @badgateway/oauth2-client ` +
        `${fmtBytes(badgatewaySize ?? Number.NaN)}.`,
    );
    if (defined(oidcFirst) && defined(badgatewaySize) && oidcFirst > badgatewaySize) {
      losses.push(
        `**Size with OIDC** (${fmtBytes(oidcFirst)} before the first token request vs ` +
          `${fmtBytes(badgatewaySize)} for @badgateway/oauth2-client): ${lossReasons.sizeOidc}`,
      );
    }
    if (defined(apiKeyOnly) && apiKeyOnly > 3_000) {
      losses.push(
        `**Size with an API key** (${fmtBytes(apiKeyOnly)}, goal 3,000 B): ${lossReasons.sizeApiKey}`,
      );
    }
    if (defined(axiosWithKey) && defined(refresh) && axiosWithKey > refresh) {
      losses.push(
        `**Size vs axios-auth-refresh** (@auth/axios + core with an API key ${fmtBytes(axiosWithKey)} vs ` +
          `${fmtBytes(refresh)}): ${lossReasons.sizeAxios}`,
      );
    }
  }

  const memory = tables.get('memory');
  if (memory) {
    const authorize = pick(memory, 'cached token', ' growth');
    const refresh = pick(memory, 'refresh cycles', ' growth');
    const authorizeSlope = pick(memory, 'cached token', ' slope');
    const refreshSlopes = Object.entries(memory.data)
      .filter(([key]) => key.includes('refresh cycles') && key.endsWith(' slope'))
      .map(([, value]) => value);
    const worstRefreshSlope = Math.max(...refreshSlopes);
    const leaks = defined(worstRefreshSlope) && worstRefreshSlope > 20;
    const perCall = (value: number | undefined, limit: number) =>
      defined(value) && Math.abs(value) <= limit ? 'no steady growth' : '**grows**, see below';
    headline.push(
      `**Memory:** heap growth ${fmtInt(authorize ?? Number.NaN)} B after the \`authorize()\` run ` +
        `(slope to 4× the calls ${(authorizeSlope ?? Number.NaN).toFixed(2)} B per call: ${perCall(authorizeSlope, 1)}) ` +
        `and ${fmtInt(refresh ?? Number.NaN)} B after the refresh cycles (slope to 4× the refreshes ` +
        `${defined(worstRefreshSlope) ? worstRefreshSlope.toFixed(0) : 'n/a'} B per refresh: ` +
        `${leaks ? '**grows**, see below' : 'no steady growth, within noise'}).`,
    );
    if (leaks) {
      losses.push(
        `**Memory per refresh** (${worstRefreshSlope.toFixed(0)} B retained per refresh in this run, ` +
          `${fmtBytes(worstRefreshSlope * 1440)} a day at one refresh a minute): ${lossReasons.refreshLeak}`,
      );
    }
  }
  if (losses.length === 0) losses.push('Nowhere in this run.');
  return { headline, losses, goals };
}

/** What each adapter does per request besides `authorize()`, from its source. */
const adapterReasons: Record<string, string> = {
  '@auth/fetch':
    "Per request it resolves a relative URL, copies the caller's headers with the credential (a plain " +
    "object stays one, anything else becomes a new `Headers`), and asks fetch for `redirect: 'manual'` when " +
    'it adds a credential, so that it follows ' +
    'redirects itself and drops the credential on a hop to another origin.',
  '@auth/axios':
    "Per request a synchronous request interceptor sends it through the adapter's own axios adapter, which " +
    'resolves the URL, awaits `authorize()` and installs the redirect hook of the adapter that follows ' +
    'redirects (`beforeRedirect` for http, a redirect-safe `env.fetch` for the fetch adapter); an answer below ' +
    '400 goes back at once.',
  '@auth/ky':
    "ky runs the adapter's `beforeRequest` hook on every call and merges the hooks that `extend()` added " +
    '(2–3 KB allocated per request, where the bare client has no hooks), and the fetch wrapper adds the ' +
    "credential to the request ky hands it, with `redirect: 'manual'` so that the kit follows redirects " +
    '(a hop to another origin carries no credential). A ky request itself takes 130–200 µs here, and the ' +
    'added mean of 3,000 of them moves by several µs from run to run on this machine.',
  '@auth/graphql-request':
    'It passes graphql-request a fetch from @auth/fetch (one `authorize()` per request, the 401 retry and ' +
    "redirects) and pays @auth/fetch's per-request work on top of graphql-request's.",
};

/** Why we lose where we do. Kept next to the conditions above; checked against each package's code. */
const lossReasons = {
  hotPath:
    'per call, `authorize()` checks the destination origin against `baseUrl`/`allowedOrigins` (parsing the ' +
    'URL unless it is the same string as last time, see the "for scale" row for what a parse costs), reads the ' +
    "token's state and builds a header record with the extra headers; google-auth-library compares one expiry " +
    'date and builds a `Headers`. The origin check is deliberate: a credential never goes to another host.',
  hotPathBadgateway:
    '`getAccessToken()` returns the token string after one `expiresAt > Date.now()` comparison: no header, ' +
    'no destination check, no refresh-ahead, no safety margin. The caller still has to build the header; its ' +
    'full `fetch()` path is the fair comparison (the wrapper rows), where we are faster.',
  wrapper:
    'both wrappers end in the same canned response; the difference is per-request bookkeeping in ' +
    "@auth/fetch (URL resolution, origin check, header merge that keeps a caller's own header, 401 retry " +
    'state).',
  axiosThroughput:
    "axios-auth-refresh's header interceptor is one synchronous assignment and its response interceptor " +
    "only acts on errors; @auth/axios's synchronous interceptor resolves the URL and starts `authorize()`, " +
    'whose promise is awaited before the request is sent, and gives each request the redirect hook of its ' +
    'adapter.',
  adapterCost:
    'Against a loopback server that answers in well under a millisecond this shows; over a real network it ' +
    'is a small fraction of a request. Runs on this shared 2-core machine are noisy (see min – max).',
  stormLatency:
    'both send the stale token, take a 401, refresh and retry every request once, so both pay the stale ' +
    'wave plus the retry wave. It refreshes again for 401s that arrive after its first refresh finished ' +
    '(more token calls, each rotating the refresh token); we refresh once.',
  stormDiscoveryWarm:
    'Discovery is not in it: core discovered the provider in the background when the token session started ' +
    '(the "discovery" column counts no GET during the storm).',
  stormBusier:
    'the client, not the server, is the bottleneck in this storm (its thread runs for most of the wave). A ' +
    'CPU profile of the client during our @auth/fetch storm puts the whole 401 path of ours (the 401 check, ' +
    '`handleUnauthorized`, the single refresh and the wait for it, events) at 12–25 ms of 1.5–3.7 s; the ' +
    "rest is the HTTP client's own work (undici, sockets, GC) for 2,000 requests, as for the peers. Timelines " +
    'show both clients with the 256-request pool full and every retry queued behind the stale requests; ' +
    'when our single refresh ends, its 250–300 waiting callers resume in one burst (6–28 ms of the thread). ' +
    'The rest of the gap was not explained on this shared 2-core machine, where a round moves by hundreds of ' +
    'milliseconds.',
  stormProfile:
    'CPU profiles of the storm wave alone in the client process (`BENCH_CPU_PROF=<dir>`, @auth/fetch beside ' +
    "@badgateway, 6 warm rounds each) put everything of ours (@auth/fetch's two attempts, the kit's " +
    "`renewAfterUnauthorized`, core's `handleUnauthorized` and the single refresh) at about 45 µs per request, " +
    "and @badgateway's own code (a `Request` clone per attempt, `headers.set`) at a similar share; the rest " +
    'is the HTTP client (undici, sockets, GC) for 2,000 exchanges, about the same for both. Rounds of one ' +
    'client move by ±20 % in CPU on this shared 2-core machine.',
  stormRetryPass:
    "@auth/ky and @auth/axios send the retry below the library (ky's `fetch`; axios' adapter), as @badgateway " +
    "under ky retries inside the fetch: the caller's hooks and interceptors see one request and the final " +
    "answer (until 2026-12-01 the retry went through the library again, a whole ky call or axios' " +
    '`instance.request(config)`: a response interceptor such as `r => r.data` then ran twice on its answer, and ' +
    'CPU profiles of the ky 2 storm put that second pass at about 330 µs of the main thread per request).',
  sizeOidc:
    "core's OIDC credentials use openid-client (and oauth4webapi under it) for discovery-document and " +
    'token-response validation; that, our OIDC code (error mapping, timeouts) and the code that requests ' +
    'tokens (single flight, the store lock, retries and backoff, the grants) load together at the first token ' +
    'request, as lazy chunks. What loads before it is `createAuth()` with its checks and actionable error ' +
    'messages, the credential, origin checks, error classes, redaction, and the token manager that hands out ' +
    'the token it holds (lifetime decisions, its store, secret scrubbing). @badgateway hand-rolls form posts ' +
    'with fewer checks.',
  sizeApiKey:
    'with only an API key nothing of the token manager, secret scrubbing or OIDC loads (they come with the ' +
    'first error, or with a listener at the first 401). What loads, measured by removing each part from the ' +
    "rolldown bundle: `createAuth()`'s option checks, wiring, URL and header checks (~1,000 B), `apiKey()` " +
    '(read and write keys, key functions, the Weaviate read rule; ~650 B), `authorize`/`handleUnauthorized` ' +
    'and the lazy load (~500 B), five error classes (~380 B), token and header-value checks (~340 B), origin ' +
    'scoping and the plain-http refusal (~250 B), redaction for logs (~200 B), `close`/`signOut` (~190 B), ' +
    'the error-cause copy (~150 B), and ~110 B of imports between its two chunks. The messages are about ' +
    '790 B of it (every string over 24 characters emptied); the code without them is about 3,830 B, so the ' +
    '3,000 B goal cannot be met by shortening messages: it would take dropping checks the rules require.',
  sizeAxios:
    'axios-auth-refresh only queues requests around a refresh function you write yourself: no credential, ' +
    'origin check, error types or events. With only an API key nothing of the token manager or OIDC loads; ' +
    "what remains is `createAuth()`'s option validation with its actionable error messages, origin checks " +
    '(allowed origins, plain http only to loopback), the adapter, error classes and secret redaction. ' +
    '@auth/axios alone is about 1.6 kB: one retry after an auth failure, the redirect paths of the http and ' +
    'fetch adapters (the fetch adapter now builds a manual `Request` so that it is not copied per request: ' +
    '~60 B), the check that the URL did not change while the token was fetched (~30 B), hiding ' +
    '`error.request` from logs (~65 B), URL resolution and the argument check (~75 B), on top of an ' +
    'interceptor core of about 850 B.',
  refreshLeak:
    'the heap grows with the number of refreshes (slope column), not with calls; the peers in this table do ' +
    'not refresh at all. This bench does not find the cause. A known one on Node 20 is `AbortSignal.any()` ' +
    "with a long-lived source such as the `auth` object's lifetime signal (nodejs/node#55351): core links " +
    'its signals by hand to avoid it, so a line here means something else is kept per refresh. A heap ' +
    'snapshot after the refresh-cycle case shows what.',
};
