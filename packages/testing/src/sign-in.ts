import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults, KoaContextWithOIDC } from 'oidc-provider';
import type { UserDirectory } from './accounts.js';

/**
 * The provider's own pages for the interactive grants: the sign-in page of the authorization code flow (and
 * of a device approved in a browser), and the device flow's code entry, confirmation and success pages. Plain
 * HTML forms, so that a browser test can fill them in, and `WeaviateServer.signIn()` can too without one.
 */

/** What the embedded provider grants after a sign-in: every scope asked for that it knows. */
export interface GrantScopes {
  /** The OpenID scopes (`openid`, `offline_access`, `email`, `profile`). */
  readonly oidc: readonly string[];
  /** Every scope the provider knows; the resource's scopes are those asked for among these. */
  readonly all: readonly string[];
  /** The resource indicator the access tokens are issued for. */
  readonly resource: string;
}

/** Escapes text for HTML. */
function html(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );
}

const STYLE =
  'body{font:15px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:24rem;color:#1d2433}h1{font-size:1.3rem}label{display:block;margin:.6rem 0 .2rem}input{font:inherit;width:100%;padding:.35rem;box-sizing:border-box}button{font:inherit;padding:.4rem 1rem;margin:.8rem .4rem 0 0}p.error{color:#b3261e}code{font-size:1.4rem}';

/** A whole page around `body`. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title><style>${STYLE}</style></head><body data-page="${html(title)}"><h1>${html(title)}</h1>${body}</body></html>`;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The sign-in page: a user name and password, and a way to say no. */
function signInPage(uid: string, client: string, error?: string): string {
  return page(
    'Sign in',
    `<p>Sign in to <b>${html(client)}</b> with the embedded OpenID Provider.</p>${error ? `<p class="error" role="alert">${html(error)}</p>` : ''}<form method="post" action="/interaction/${html(uid)}/login"><label for="username">User name</label><input id="username" name="username" autocomplete="username" autofocus><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password"><button id="sign-in" type="submit">Sign in</button></form><form method="post" action="/interaction/${html(uid)}/abort"><button id="deny" type="submit">Cancel</button></form>`,
  );
}

/** Serves `/interaction/<uid>` (sign-in), `/interaction/<uid>/login` and `/interaction/<uid>/abort`. */
export class SignInPages {
  readonly #provider: Provider;
  readonly #users: UserDirectory;
  readonly #scopes: GrantScopes;

  constructor(provider: Provider, users: UserDirectory, scopes: GrantScopes) {
    this.#provider = provider;
    this.#users = users;
    this.#scopes = scopes;
  }

  /** The resource indicator the access tokens are issued for. */
  get resource(): string {
    return this.#scopes.resource;
  }

  /** Whether `path` is one of these pages. */
  handles(path: string): boolean {
    return /^\/interaction\/[^/]+(\/(login|abort))?$/.test(path);
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, , uid = '', action] = path.split('/');
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await this.#provider.interactionDetails(req, res);
    } catch {
      send(
        res,
        400,
        page(
          'Sign-in expired',
          '<p>This sign-in is no longer pending (it finished, expired, or the browser lost its cookie). Start again from the application.</p>',
        ),
      );
      return;
    }
    const client = String(details.params.client_id ?? '');
    if (req.method === 'POST' && action === 'abort') {
      await this.#finish(req, res, {
        error: 'access_denied',
        error_description: 'The user declined the sign-in.',
      });
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const principal = this.#users.verify(form.get('username') ?? '', form.get('password') ?? '');
      if (!principal) {
        send(res, 200, signInPage(uid, client, 'Wrong user name or password.'));
        return;
      }
      await this.#finish(req, res, { login: { accountId: principal.username } });
      return;
    }
    if (details.prompt.name === 'login') {
      send(res, 200, signInPage(uid, client));
      return;
    }
    // Consent: the embedded provider grants what was asked for (it knows no third parties to ask about).
    const accountId = details.session?.accountId;
    if (accountId === undefined) {
      send(res, 400, page('Sign-in failed', '<p>No one is signed in.</p>'));
      return;
    }
    const grantId = await this.grant(
      accountId,
      client,
      String(details.params.scope ?? 'openid'),
      details.grantId,
    );
    await this.#finish(req, res, { consent: { grantId } });
  }

  /**
   * Saves the grant a signed-in user gives `clientId`: the OpenID scopes asked for, and the resource's scopes
   * among those asked for. Extends the grant `existing` names, if any.
   */
  async grant(accountId: string, clientId: string, scope: string, existing?: string): Promise<string> {
    const { Grant } = this.#provider;
    const grant = (existing ? await Grant.find(existing) : undefined) ?? new Grant({ accountId, clientId });
    const asked = scope.split(' ').filter(Boolean);
    grant.addOIDCScope(asked.filter((s) => this.#scopes.oidc.includes(s)).join(' '));
    grant.addResourceScope(
      this.#scopes.resource,
      asked.filter((s) => this.#scopes.all.includes(s)).join(' '),
    );
    return grant.save();
  }

  async #finish(req: IncomingMessage, res: ServerResponse, result: InteractionResults): Promise<void> {
    await this.#provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
}

/** The provider's error page (oidc-provider's `renderError`): the OAuth error and its description. */
export async function renderError(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string | undefined },
): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign-in error',
    `<p class="error" role="alert">${html(out.error)}: ${html(out.error_description ?? '')}</p>`,
  );
}

/** The device flow's pages (oidc-provider's `features.deviceFlow` sources), as plain forms. */
export const devicePages = {
  userCodeInputSource: async (
    ctx: KoaContextWithOIDC,
    form: string,
    _out: unknown,
    error: unknown,
  ): Promise<void> => {
    const message = error
      ? '<p class="error" role="alert">That code is not valid (mistyped, used or expired). Check it and try again.</p>'
      : '<p>Enter the code the device shows.</p>';
    ctx.body = page(
      'Device sign-in',
      `${message}${form}<button id="continue" type="submit" form="op.deviceInputForm">Continue</button>`,
    );
  },
  userCodeConfirmSource: async (
    ctx: KoaContextWithOIDC,
    form: string,
    client: { clientId: string; clientName?: string | undefined },
    _deviceInfo: unknown,
    userCode: string,
  ): Promise<void> => {
    ctx.body = page(
      'Confirm the device',
      `<p><b>${html(client.clientName ?? client.clientId)}</b> asks to sign in. The device shows this code:</p><p><code>${html(userCode)}</code></p>${form}<button id="confirm" type="submit" form="op.deviceConfirmForm">Continue</button><button id="deny" type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Cancel</button>`,
    );
  },
  successSource: async (ctx: KoaContextWithOIDC): Promise<void> => {
    ctx.body = page('Signed in', '<p>The device is signed in. You can close this page.</p>');
  },
};
