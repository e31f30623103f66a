// Scenarios for @auth/axios on axios' browser adapters (xhr and fetch). This page is served by the test's own
// origin ("home"); `axios-browser.test.ts` calls each scenario and checks what the servers received.
import { withAuth } from '@auth/axios';
import { apiKey, createAuth, tokenSource } from '@auth/core';
import { heldTokenSource } from '@auth/test-utils/credentials';
import axios, { type InternalAxiosRequestConfig } from 'axios';

/** axios' adapters of the browser. */
export type BrowserKind = 'xhr' | 'fetch';

const home = location.origin;
const create = (kind: BrowserKind, baseURL?: string) =>
  axios.create({ adapter: kind, ...(baseURL ? { baseURL } : {}) });
/** An API key for this origin, and an extra header: what must never reach another origin. */
const homeAuth = () =>
  createAuth({
    baseUrl: home,
    credentials: apiKey('browser-key-0123'),
    headers: { 'X-Module-Key': 'browser-module-secret' },
  });
const statusOf = (promise: Promise<{ status: number }>) =>
  promise.then(
    (response) => response.status,
    (error: { response?: { status: number }; message?: string }) =>
      error.response?.status ?? String(error.message),
  );

const scenarios = {
  /** GET a path that redirects (307) to the other origin. */
  redirect: (kind: BrowserKind) => statusOf(withAuth(create(kind, home), homeAuth()).get('/api/away')),

  /** GET a path that redirects to the other origin, which answers 401: how many tokens were issued. */
  unauthorizedAbroad: async (kind: BrowserKind) => {
    let issued = 0;
    const auth = createAuth({
      baseUrl: home,
      credentials: tokenSource(() => ({ accessToken: `token-${++issued}`, expiresIn: 60 })),
    });
    const status = await statusOf(withAuth(create(kind, home), auth).get('/api/denied-away'));
    return { status, issued };
  },

  /** An interceptor added before withAuth (so it runs after it) fails `baseURL` over to the other origin. */
  failover: (kind: BrowserKind, foreign: string) => {
    const instance = create(kind, home);
    instance.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      config.baseURL = foreign;
      return config;
    });
    return statusOf(withAuth(instance, homeAuth()).get('/failover'));
  },

  /** A `URL` object pointed at the other origin while the first token is fetched. */
  urlObject: async (kind: BrowserKind, foreign: string) => {
    const held = heldTokenSource('token-1');
    const auth = createAuth({ baseUrl: home, credentials: held.credentials });
    const url = new URL('/api/echo', home);
    const pending = statusOf(withAuth(create(kind), auth).get(url as unknown as string));
    await held.asked;
    url.href = `${foreign}/theirs`;
    held.release();
    return pending;
  },
};

export type Scenarios = typeof scenarios;
(globalThis as { scenarios?: Scenarios }).scenarios = scenarios;
