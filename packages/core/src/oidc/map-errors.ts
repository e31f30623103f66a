import type { ClientError } from 'openid-client';
import { AuthError } from '../errors/auth-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import { type AnswerFacts, bodyHint, unusableAnswerIn } from './answer.js';

/** What to do about an OAuth error code. */
const advice: Record<string, string> = {
  invalid_grant: 'Check the username and password (or get a new refresh token).',
  invalid_client:
    'Check the client id and client secret (if both are right, `tokenEndpointAuthMethod`: a client may accept only client_secret_basic or only client_secret_post).',
  unauthorized_client: 'The client may not use this grant; enable it for the client at the provider.',
  unsupported_grant_type:
    'The provider does not support this grant; enable it, or use another credential kind.',
  invalid_scope: 'Check the scopes you asked for; the provider refused at least one of them.',
  invalid_request: 'The provider refused the request as malformed; check the client id and scopes.',
};

const RETRIED = 'The provider has a problem; the request is retried.';
const NO_REDIRECTS =
  'Token and discovery requests do not follow redirects (one could send the credentials elsewhere, or over plain http)';

export interface RequestContext {
  readonly grant: string;
  readonly url: string;
  readonly timeout: number;
  /** Aborts when the auth object closes. */
  readonly signal: AbortSignal;
}

/**
 * Turns whatever openid-client threw into an {@link AuthError} that says what failed and what to do, with
 * the method and URL, keeping the status, the body's media type and the OAuth `error`,
 * `error_description` and `error_uri`, and no response body.
 */
export function toTokenRequestError(thrown: unknown, context: RequestContext): AuthError {
  if (context.signal.aborted) return context.signal.reason as AuthError;
  if (thrown instanceof AuthError) return thrown;
  if ((thrown as { cause?: unknown })?.cause instanceof AuthError)
    return (thrown as { cause: AuthError }).cause;
  const { grant, url } = context;
  const target = `POST ${url} (${grant} grant)`;
  const unusable = unusableAnswerIn(thrown);
  if (unusable) return tokenAnswerError(unusable.facts, context, thrown);
  const error = thrown as Partial<ClientError> & { cause?: unknown };
  switch (error.code) {
    case 'OAUTH_TIMEOUT':
      return new TimeoutError({ target, timeout: context.timeout, cause: thrown });
    case 'OAUTH_INVALID_RESPONSE':
      return new InvalidTokenResponseError(
        `${target} answered without a usable token (${describeInvalid(error)}). The provider is misbehaving; check its configuration.`,
        { grant, url, status: 200, cause: thrown },
      );
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return new InvalidTokenResponseError(
        `${target} answered with a token_type other than Bearer; only Bearer tokens are supported. Configure the provider to issue Bearer tokens.`,
        { grant, url, status: 200, cause: thrown },
      );
  }
  if (thrown instanceof TypeError && !('code' in thrown)) {
    return new TokenRequestError(
      `${target} failed: the provider could not be reached. The request is retried.`,
      { grant, url, transient: true, cause: thrown },
    );
  }
  return new TokenRequestError(`${target} failed (${error.message ?? 'unknown error'}).`, {
    grant,
    url,
    cause: thrown,
  });
}

/** The error of a token request whose answer could not be used, from the answer's status, headers and body. */
export function tokenAnswerError(
  facts: AnswerFacts,
  context: Pick<RequestContext, 'grant' | 'url'>,
  cause?: unknown,
): TokenRequestError {
  const { grant, url } = context;
  const target = `POST ${url} (${grant} grant)`;
  const { status, transient } = facts;
  const error = clientAuthFailure(facts)
    ? 'invalid_client'
    : refusedRefresh(facts, grant)
      ? 'invalid_grant'
      : facts.error;
  const fields = {
    grant,
    url,
    status,
    contentType: facts.contentType,
    error,
    error_description: facts.error_description,
    error_uri: facts.error_uri,
    transient,
    retryAfter: transient ? facts.retryAfter : undefined,
    cause,
  };
  if (error !== undefined && facts.error !== undefined && !facts.tooLarge) {
    const description = facts.error_description ? ` (${facts.error_description})` : '';
    const what = transient ? RETRIED : (advice[error] ?? 'Check the credentials.');
    const meaning = error === facts.error ? '' : `: the client authentication failed (${error})`;
    return new TokenRequestError(
      `${target} was refused: ${status} ${facts.error}${description}${meaning}. ${what}`,
      fields,
    );
  }
  if (isRedirectStatus(status)) {
    return new TokenRequestError(
      `${target} answered ${redirectText(facts)}. ${NO_REDIRECTS}: check the issuer URL, so that its discovery document names the token endpoint itself.`,
      fields,
    );
  }
  const answered = `${target} answered ${status} with ${bodyHint(facts)}.`;
  if (error === 'invalid_grant') {
    return new TokenRequestError(
      `${answered} A 400 to a refresh request without an OAuth error code means the refresh token was refused (read as invalid_grant). ${advice.invalid_grant}`,
      fields,
    );
  }
  if (status >= 200 && status < 300) {
    return new InvalidTokenResponseError(
      `${answered} Check that the URL is the provider's token endpoint.`,
      fields,
    );
  }
  return new TokenRequestError(`${answered} ${transient ? RETRIED : statusAdvice(status)}`, fields);
}

/**
 * A 401 that names `unauthorized_client` (Keycloak) or `access_denied` (Auth0) means the client
 * authentication failed: RFC 6749 §5.2 answers that with `invalid_client`, and a client that was not
 * authenticated cannot be "not authorized for this grant". Reported as `invalid_client`; the message keeps
 * the provider's own code.
 */
function clientAuthFailure(facts: AnswerFacts): boolean {
  return facts.status === 401 && (facts.error === 'unauthorized_client' || facts.error === 'access_denied');
}

/**
 * A 400 without an OAuth error code to a refresh request (Glewlwyd answers a spent or revoked refresh token
 * with an empty 400): the only thing in such a request that can be wrong is the refresh token, so it counts
 * as `invalid_grant`, and the primary grant runs instead of presenting the same token forever. An HTML page
 * is a gateway talking, not the provider: it does not count.
 */
function refusedRefresh(facts: AnswerFacts, grant: string): boolean {
  return (
    grant === 'refresh_token' &&
    facts.status === 400 &&
    facts.error === undefined &&
    facts.kind !== 'html' &&
    !facts.tooLarge
  );
}

function statusAdvice(status: number): string {
  if (status === 404 || status === 405) {
    return "Check the token endpoint URL (the provider's discovery document names it).";
  }
  if (status === 401 || status === 403) {
    return 'Check the client id and client secret, and that nothing in front of the provider (a gateway, a firewall) refuses the request.';
  }
  return "Check the token endpoint URL and the provider's configuration.";
}

function isRedirectStatus(status: number): boolean {
  return (status >= 300 && status < 400) || status === 0;
}

function redirectText(facts: AnswerFacts): string {
  const to = facts.location ? ` to ${facts.location}` : '';
  return facts.status === 0 ? `with a redirect${to}` : `${facts.status}, a redirect${to}`;
}

function describeInvalid(error: { cause?: unknown }): string {
  const message = error.cause instanceof Error ? error.cause.message : '';
  if (message.includes('access_token')) return 'no access_token';
  if (message.includes('token_type')) return 'no token_type';
  if (message.includes('refresh_token')) return 'a refresh_token that is not a string';
  return message.replace(/"/g, '') || 'unexpected body';
}

/** Where a discovery document came from, for the advice in messages. */
export type DiscoverySource = 'provider' | 'weaviate';

const checkSource: Record<DiscoverySource, string> = {
  provider: 'Check the issuer URL.',
  weaviate: 'Check `baseUrl`.',
};

/** The error of a discovery request whose answer could not be used, from the answer itself. */
export function discoveryAnswerError(
  facts: AnswerFacts,
  url: string,
  source: DiscoverySource,
  cause?: unknown,
): DiscoveryError {
  const target = `GET ${url}`;
  const { status, transient } = facts;
  const fields = {
    url,
    status,
    transient,
    contentType: facts.contentType,
    error: facts.error,
    error_description: facts.error_description,
    error_uri: facts.error_uri,
    retryAfter: transient ? facts.retryAfter : undefined,
    cause,
  };
  const retried = `The ${source === 'weaviate' ? 'server' : 'provider'} has a problem; the request is retried.`;
  const next = transient ? retried : checkSource[source];
  if (facts.error !== undefined && !facts.tooLarge) {
    const description = facts.error_description ? ` (${facts.error_description})` : '';
    return new DiscoveryError(
      `${target} was refused: ${status} ${facts.error}${description}. ${next}`,
      fields,
    );
  }
  if (isRedirectStatus(status)) {
    return new DiscoveryError(`${target} answered ${redirectText(facts)}. ${NO_REDIRECTS}. ${next}`, fields);
  }
  const body = status === 200 || facts.kind !== 'json' || facts.tooLarge ? ` with ${bodyHint(facts)}` : '';
  return new DiscoveryError(`${target} answered ${status}${body}. ${next}`, fields);
}

/** Turns an openid-client discovery failure into a {@link DiscoveryError} (or {@link TimeoutError}). */
export function toDiscoveryError(thrown: unknown, context: Omit<RequestContext, 'grant'>): AuthError {
  if (context.signal.aborted) return context.signal.reason as AuthError;
  if (thrown instanceof AuthError) return thrown;
  if ((thrown as { cause?: unknown })?.cause instanceof AuthError)
    return (thrown as { cause: AuthError }).cause;
  const target = `GET ${context.url}`;
  const unusable = unusableAnswerIn(thrown);
  if (unusable) return discoveryAnswerError(unusable.facts, context.url, 'provider', thrown);
  const error = thrown as { code?: unknown; message?: unknown };
  if (error.code === 'OAUTH_TIMEOUT')
    return new TimeoutError({ target, timeout: context.timeout, cause: thrown });
  if (thrown instanceof TypeError && !('code' in thrown)) {
    return new DiscoveryError(
      `${target} failed: the OpenID Provider could not be reached. The request is retried.`,
      { url: context.url, transient: true, cause: thrown },
    );
  }
  return new DiscoveryError(
    `${target} did not give a usable OpenID configuration (${typeof error.message === 'string' ? error.message : 'unknown error'}). Check the issuer URL.`,
    { url: context.url, status: 200, cause: thrown },
  );
}
