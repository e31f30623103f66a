import { fmtBytes, fmtInt, fmtMs, fmtNum, fmtRatio } from './util/stats.js';
import type { Table } from './util/table.js';

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
export function findings(tables: Map<string, Table>): { headline: string[]; losses: string[] } {
  const headline: string[] = [];
  const losses: string[] = [];

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
  if (throughput) {
    const ratios = Object.entries(throughput.data)
      .filter(([key]) => key.endsWith(' ratio'))
      .map(([key, value]) => [key.slice(0, -' ratio'.length), value] as const);
    const oursRatios = ratios.filter(([name]) => name.startsWith('@auth/'));
    if (oursRatios.length > 0) {
      headline.push(
        `**Per-request overhead** through a real keep-alive server, adapter ÷ bare client: ${oursRatios
          .map(([name, value]) => `${name} ${fmtRatio(value)}`)
          .join(', ')}.`,
      );
    }
    const peer = ratios.find(([name]) => name.includes('axios-auth-refresh'));
    const ourAxios = ratios.find(([name]) => name === '@auth/axios');
    if (peer && ourAxios && peer[1] > ourAxios[1] + 0.02) {
      losses.push(
        `**Throughput, axios:** @auth/axios ${fmtRatio(ourAxios[1])} of bare axios vs ${fmtRatio(peer[1])} for ` +
          `axios-auth-refresh + a header interceptor. ${lossReasons.axiosThroughput}`,
      );
    }
    for (const [name, value] of oursRatios) {
      if (value < 0.9)
        losses.push(
          `**Throughput, ${name}:** ${fmtRatio(value)} of the bare client. ${lossReasons.adapterCost}`,
        );
    }
  }

  for (const id of ['storm-expired', 'storm-401']) {
    const storm = tables.get(id);
    if (!storm) continue;
    const names = Object.keys(storm.data)
      .filter((key) => key.endsWith(' token calls'))
      .map((key) => key.slice(0, -' token calls'.length));
    const describe = (name: string) =>
      `${name}: ${fmtInt(pick(storm, `${name} token calls`) ?? Number.NaN)} token calls, ` +
      `${fmtInt(pick(storm, `${name} failed`) ?? Number.NaN)} of ${fmtInt(pick(storm, `${name} requests`) ?? Number.NaN)} failed, ` +
      `added p99 ${fmtMs(pick(storm, `${name} added p99`) ?? Number.NaN, true)}`;
    const ourNames = names.filter((name) => name.startsWith('@auth/'));
    const peerNames = names.filter((name) => !name.startsWith('@auth/'));
    headline.push(
      `**${id === 'storm-expired' ? 'Expired-token storm' : '401 storm'}:** ${[
        ...ourNames.slice(0, 1),
        ...peerNames,
      ]
        .map(describe)
        .join('; ')} (every adapter of ours in the table).`,
    );
    const ourWorstP99 = Math.max(...ourNames.map((name) => pick(storm, `${name} added p99`) ?? Number.NaN));
    const ourMostCalls = Math.max(
      ...ourNames.map((name) => pick(storm, `${name} token calls`) ?? Number.NaN),
    );
    for (const name of peerNames) {
      const calls = pick(storm, `${name} token calls`) ?? Number.NaN;
      const failed = pick(storm, `${name} failed`) ?? Number.NaN;
      const p99 = pick(storm, `${name} added p99`) ?? Number.NaN;
      if (failed === 0 && calls <= ourMostCalls && p99 < ourWorstP99 - 5) {
        losses.push(
          `**${id === 'storm-expired' ? 'Expired-token storm' : '401 storm'}, added p99 vs ${name}** ` +
            `(${fmtMs(p99, true)} vs our worst ${fmtMs(ourWorstP99, true)}): ${lossReasons.stormLatency}`,
        );
      }
    }
  }

  const size = tables.get('size');
  if (size) {
    const apiKeyOnly = pick(size, '`createAuth` + `apiKey` only');
    const full = pick(size, 'every credential kind (OIDC included)');
    const refresh = pick(size, 'axios-auth-refresh');
    const badgatewaySize = pick(size, '@badgateway');
    const axiosAlone = pick(size, '@auth/axios: `withAuth` alone');
    headline.push(
      `**Size (min+gzip):** core with \`apiKey\` only ${fmtBytes(apiKeyOnly ?? Number.NaN)}, with every OIDC ` +
        `credential ${fmtBytes(full ?? Number.NaN)}; axios-auth-refresh ${fmtBytes(refresh ?? Number.NaN)}, ` +
        `@badgateway/oauth2-client ${fmtBytes(badgatewaySize ?? Number.NaN)}.`,
    );
    if (defined(full) && defined(badgatewaySize) && full > badgatewaySize) {
      losses.push(
        `**Size with OIDC** (${fmtBytes(full)} vs ${fmtBytes(badgatewaySize)} for @badgateway/oauth2-client): ${lossReasons.sizeOidc}`,
      );
    }
    if (defined(axiosAlone) && defined(refresh) && defined(apiKeyOnly) && axiosAlone + apiKeyOnly > refresh) {
      losses.push(
        `**Size vs axios-auth-refresh** (@auth/axios + core with an API key ${fmtBytes(axiosAlone + apiKeyOnly)} ` +
          `[sum of the two rows] vs ${fmtBytes(refresh)}): ${lossReasons.sizeAxios}`,
      );
    }
  }

  const memory = tables.get('memory');
  if (memory) {
    const authorize = pick(memory, 'cached token', ' growth');
    const refresh = pick(memory, 'refresh cycles', ' growth');
    headline.push(
      `**Memory:** heap growth ${fmtInt(authorize ?? Number.NaN)} B after the \`authorize()\` run and ` +
        `${fmtInt(refresh ?? Number.NaN)} B after the refresh cycles (bounded: no per-call retention).`,
    );
  }
  if (losses.length === 0) losses.push('Nowhere in this run.');
  return { headline, losses };
}

/** Why we lose where we do. Kept next to the conditions above; reviewed against the code of each package. */
const lossReasons = {
  hotPath:
    'its fresh-credential path is one expiry comparison and a `Headers` built from a string. ' +
    '`authorize()` also parses the request URL and checks its origin against `baseUrl`/`allowedOrigins` ' +
    "(so a credential never leaves for another host), and goes through the token manager's " +
    'state (fresh / refresh-ahead / expired) on every call. That is the price of the origin check and the ' +
    'refresh-ahead logic; it is a few hundred nanoseconds against a network round trip of tens of microseconds ' +
    'or more.',
  hotPathBadgateway:
    '`getAccessToken()` returns the token string after one `expiresAt > Date.now()` comparison; it does ' +
    'not build headers, check the destination origin, or look at refresh-ahead. The caller still has to ' +
    'build the header, and its full `fetch()` path is the fair comparison (wrapper rows).',
  wrapper:
    'both wrappers end in the same canned response; the difference is per-request bookkeeping in ' +
    "@auth/fetch (URL resolution, origin check, header merge that keeps a caller's own header, 401 retry " +
    'state).',
  axiosThroughput:
    "axios-auth-refresh's header interceptor is one synchronous assignment; @auth/axios awaits " +
    '`authorize()` (URL + origin check) in an async interceptor, which costs an extra microtask hop per request.',
  adapterCost:
    'the adapter awaits `authorize()` and copies headers per request; against a server on loopback that ' +
    'answers in microseconds this is visible, against a real network it is noise.',
  stormLatency:
    'see the storm table notes: a purely reactive client sends the stale token and pays a 401 round trip ' +
    'before refreshing, while we refresh first; where a peer still ends faster at p99 it is because its ' +
    'retries are spread over time instead of released together when the refresh lands.',
  sizeOidc:
    "core's OIDC credentials use openid-client (and its oauth4webapi): full discovery-document and " +
    'token-response validation, error mapping and timeouts. @badgateway hand-rolls form posts with ' +
    'fewer checks. An app that only uses an API key does not pay for it (tree-shaken, first row).',
  sizeAxios:
    'axios-auth-refresh only queues requests around a refresh function you write yourself; it has no ' +
    'credential, token manager, origin check or error types. With @auth/axios the token logic you would ' +
    'otherwise hand-write is included.',
};
