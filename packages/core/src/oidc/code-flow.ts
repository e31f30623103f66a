import type { TokenRequest, TokenSet } from '../credentials/credentials.js';
import { SignInError } from '../errors/sign-in-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import { assertSecureTransport } from '../origin.js';
import { type Discovered, type GrantOptions, type OidcSession, withExtra } from './client.js';

const GRANT = 'authorization_code';

/** What a started sign-in must keep until the browser comes back: never sent anywhere but the provider. */
export interface PendingChecks {
  readonly state: string;
  readonly nonce: string;
  /** The PKCE code verifier (RFC 7636): only its S256 challenge went in the URL. */
  readonly verifier: string;
}

/**
 * The authorization request (RFC 6749 §4.1.1) through openid-client: a fresh PKCE verifier with its S256
 * challenge, `state` and `nonce`, in the provider's `authorization_endpoint` URL.
 */
export async function startSignIn(
  session: OidcSession,
  run: {
    readonly redirectUri: string;
    readonly scope: (discovered: Discovered) => string;
    readonly request: TokenRequest;
    readonly grant: GrantOptions;
    readonly allowInsecureHttp: boolean;
  },
): Promise<PendingChecks & { readonly url: string }> {
  const tools = await session.tools(run.request, run.grant);
  const endpoint = tools.metadata.authorization_endpoint;
  if (!endpoint) {
    throw new SignInError(
      `The OpenID Provider ${tools.discovered.issuer} names no authorization_endpoint in its discovery document, so a browser cannot sign in there. Use another credential (deviceCode(), oidcPassword()).`,
      { reason: 'unsupported', grant: GRANT },
    );
  }
  assertSecureTransport(new URL(endpoint), run.allowInsecureHttp, 'a sign-in');
  const { oc } = tools;
  const verifier = oc.randomPKCECodeVerifier();
  const state = oc.randomState();
  const nonce = oc.randomNonce();
  const params = withExtra(
    {
      redirect_uri: run.redirectUri,
      scope: run.scope(tools.discovered),
      state,
      nonce,
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    },
    run.grant.extraParams,
  );
  return { url: oc.buildAuthorizationUrl(tools.config, params).href, state, nonce, verifier };
}

/**
 * Exchanges the code of `callback` with the sign-in's verifier; openid-client checks the `state` (and the
 * provider's `iss`) and the ID token's `nonce`. A code the provider refuses is a `SignInError`.
 */
export async function exchangeCode(
  session: OidcSession,
  run: {
    readonly callback: URL;
    readonly checks: PendingChecks;
    readonly request: TokenRequest;
    readonly grant: GrantOptions;
  },
): Promise<TokenSet> {
  const tools = await session.tools(run.request, run.grant);
  const { checks } = run;
  try {
    return await tools.grant(
      GRANT,
      () =>
        tools.oc.authorizationCodeGrant(
          tools.config,
          run.callback,
          {
            pkceCodeVerifier: checks.verifier,
            expectedState: checks.state,
            expectedNonce: checks.nonce,
            idTokenExpected: true,
          },
          withExtra({}, run.grant.extraParams),
        ),
      true,
    );
  } catch (error) {
    if (error instanceof TokenRequestError && error.error === 'invalid_grant') {
      throw new SignInError(
        `The provider refused the authorization code (invalid_grant${error.error_description ? `: ${error.error_description}` : ''}): a code works once, for a few minutes. Sign in again: start() sends the browser to the provider for a new one.`,
        {
          reason: 'code_rejected',
          grant: GRANT,
          error: error.error,
          error_description: error.error_description,
          cause: error,
        },
      );
    }
    if ((error as { cause?: { code?: unknown } }).cause?.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
      throw new SignInError(
        "The provider's answer does not belong to the sign-in started here (its ID token's nonce or issuer is another's): it was not used. Start a new sign-in.",
        { reason: 'state_mismatch', grant: GRANT, cause: error },
      );
    }
    throw error;
  }
}
