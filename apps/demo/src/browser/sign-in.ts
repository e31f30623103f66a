import { type AuthEvent, createAuth, isAuthError } from '@auth/core';
import { authorizationCode, sessionStorageStore } from '@auth/core/browser';
import { withAuth } from '@auth/fetch';

/** What the sign-in row needs of `/demo/config`. */
export interface SignInConfig {
  /** The embedded server. */
  readonly url: string;
  /** Seconds to wait so that the token expires and is refreshed. */
  readonly pause: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * The "Sign in" row: a browser sign-in at the embedded provider (authorization code + PKCE, its sign-in
 * page), then two requests through `@auth/fetch` with a wait past the token's lifetime between them, so the
 * refresh token is used. The token is kept in the tab's `sessionStorage`: a reload is still signed in.
 */
export async function setUpSignIn(config: SignInConfig, log: (line: string) => void): Promise<void> {
  const button = $<HTMLButtonElement>('sign-in');
  const signOut = $<HTMLButtonElement>('sign-out');
  const status = $<HTMLSpanElement>('sign-in-status');
  const rows = $<HTMLTableSectionElement>('sign-in-rows');
  // The page is its own redirect URI: the provider sends the browser back here with a code.
  const signIn = authorizationCode({ redirectUri: `${location.origin}/` });
  let tokens = 0;
  // Only the sign-in row's own events are shown (not the look for an earlier sign-in at load).
  let showEvents = false;
  const auth = createAuth({
    baseUrl: config.url,
    credentials: signIn,
    store: sessionStorageStore(),
    onEvent: (event: AuthEvent) => {
      if (event.type === 'refresh-succeeded') tokens++;
      if (showEvents && event.type.startsWith('refresh')) {
        log(`fetch / sign-in: ${event.type}${'grant' in event ? ` ${event.grant}` : ''}`);
      }
    },
  });
  const api = withAuth(fetch, auth);
  const done = (state: string, text: string) => {
    status.textContent = text;
    document.body.dataset.signIn = state;
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    location.assign(await signIn.start());
  });
  signOut.addEventListener('click', async () => {
    await auth.signOut();
    done('signed-out', 'signed out: the refresh token was revoked at the provider');
  });

  if (signIn.isRedirect(location.href)) {
    showEvents = true;
    try {
      await signIn.complete(location.href);
    } catch (error) {
      done('failed', isAuthError(error) ? `${error.name}: ${error.message}` : String(error));
      return;
    } finally {
      // The code is spent either way: out of the address bar and the history.
      history.replaceState(null, '', location.pathname);
    }
    await run();
    return;
  }
  // Signed in before this reload? The token is in sessionStorage.
  try {
    const me = await ownInfo();
    done('restored', `signed in as ${me} (the token came from sessionStorage)`);
  } catch {
    done('ready', 'not signed in');
  }

  async function ownInfo(): Promise<string> {
    const response = await api(`${config.url}/v1/users/own-info`);
    if (!response.ok) throw new Error(`GET /v1/users/own-info answered ${response.status}`);
    return ((await response.json()) as { username?: string }).username ?? '?';
  }

  async function run(): Promise<void> {
    done('running', 'signed in; using the token...');
    let outcome: 'passed' | 'failed' = 'passed';
    let detail: string;
    let requests = 0;
    try {
      requests++;
      const first = await ownInfo();
      await new Promise((resolve) => setTimeout(resolve, config.pause * 1000));
      requests++;
      const second = await ownInfo();
      detail = `signed in as ${first}; after ${config.pause} s still ${second}, with a refreshed token`;
      if (tokens < 2) {
        outcome = 'failed';
        detail = `only ${tokens} token request(s): no refresh`;
      }
    } catch (error) {
      outcome = 'failed';
      detail = isAuthError(error) ? `${error.name}: ${error.message}` : String(error);
    }
    const tr = document.createElement('tr');
    tr.dataset.outcome = outcome;
    for (const [i, value] of [
      'fetch',
      'sign-in (code + PKCE)',
      requests,
      tokens,
      outcome,
      detail,
    ].entries()) {
      const td = document.createElement('td');
      td.textContent = String(value);
      if (i === 4) td.className = `outcome-${outcome}`;
      tr.append(td);
    }
    rows.replaceChildren(tr);
    done('done', outcome === 'passed' ? 'signed in' : 'the sign-in row failed');
  }
}
