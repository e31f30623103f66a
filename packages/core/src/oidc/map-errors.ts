import type { ClientError } from 'openid-client';
import { AuthError } from '../errors/auth-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';

/** What to do about an OAuth error code. */
const advice: Record<string, string> = {
  invalid_grant: 'Check the username and password (or get a new refresh token).',
  invalid_client: 'Check the client id and client secret.',
  unauthorized_client: 'The client may not use this grant; enable it for the client at the provider.',
  unsupported_grant_type:
    'The provider does not support this grant; enable it, or use another credential kind.',
  invalid_scope: 'Check the scopes you asked for; the provider refused at least one of them.',
  invalid_request: 'The provider refused the request as malformed; check the client id and scopes.',
};

export interface RequestContext {
  readonly grant: string;
  readonly url: string;
  readonly timeout: number;
  /** Aborts when the auth object closes. */
  readonly signal: AbortSignal;
}

/**
 * Turns whatever openid-client threw into an {@link AuthError} that says what failed and what to do, with
 * the method and URL, keeping the OAuth `error`, `error_description` and status, and no response body.
 */
export function toTokenRequestError(thrown: unknown, context: RequestContext): AuthError {
  if (context.signal.aborted) return context.signal.reason as AuthError;
  if (thrown instanceof AuthError) return thrown;
  const { grant, url } = context;
  const target = `POST ${url} (${grant} grant)`;
  const error = thrown as Partial<ClientError> & {
    error?: unknown;
    error_description?: unknown;
    status?: unknown;
    cause?: unknown;
  };
  if (typeof error.error === 'string' && typeof error.status === 'number') {
    const description = typeof error.error_description === 'string' ? error.error_description : undefined;
    const transient = error.status >= 500 || error.status === 429;
    return new TokenRequestError(
      `${target} was refused: ${error.status} ${error.error}${description ? ` (${description})` : ''}. ${
        transient
          ? 'The provider has a problem; the request is retried.'
          : (advice[error.error] ?? 'Check the credentials.')
      }`,
      {
        grant,
        url,
        status: error.status,
        error: error.error,
        error_description: description,
        transient,
        retryAfter: transient ? retryAfter((thrown as { response?: unknown }).response) : undefined,
        cause: thrown,
      },
    );
  }
  switch (error.code) {
    case 'OAUTH_TIMEOUT':
      return new TimeoutError({ target, timeout: context.timeout, cause: thrown });
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      const status = error.cause instanceof Response ? error.cause.status : undefined;
      const transient = status === undefined || status >= 500 || status === 429;
      return new TokenRequestError(
        `${target} answered HTTP ${status ?? '(unknown status)'} without an OAuth error. ${
          transient ? 'The provider has a problem; the request is retried.' : 'Check the token endpoint URL.'
        }`,
        {
          grant,
          url,
          status,
          transient,
          retryAfter: transient ? retryAfter(error.cause) : undefined,
          cause: thrown,
        },
      );
    }
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return new InvalidTokenResponseError(
        `${target} answered with a body that is not JSON. Check that the URL is the provider's token endpoint (a proxy or login page may be in the way).`,
        { grant, url, cause: thrown },
      );
    case 'OAUTH_INVALID_RESPONSE':
      return new InvalidTokenResponseError(
        `${target} answered without a usable token (${describeInvalid(error)}). The provider is misbehaving; check its configuration.`,
        { grant, url, cause: thrown },
      );
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return new InvalidTokenResponseError(
        `${target} answered with a token_type other than Bearer; only Bearer tokens are supported. Configure the provider to issue Bearer tokens.`,
        { grant, url, cause: thrown },
      );
  }
  if (thrown instanceof TypeError && !('code' in thrown)) {
    return new TokenRequestError(
      `${target} failed: the provider could not be reached. The request is retried.`,
      {
        grant,
        url,
        transient: true,
        cause: thrown,
      },
    );
  }
  return new TokenRequestError(`${target} failed (${error.message ?? 'unknown error'}).`, {
    grant,
    url,
    cause: thrown,
  });
}

/**
 * The `Retry-After` of a response, in seconds (RFC 9110: a number of seconds or an HTTP date); undefined
 * when absent or unreadable.
 */
export function retryAfter(response: unknown, now = Date.now()): number | undefined {
  if (!(response instanceof Response)) return undefined;
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function describeInvalid(error: { cause?: unknown }): string {
  const message = error.cause instanceof Error ? error.cause.message : '';
  if (message.includes('access_token')) return 'no access_token';
  if (message.includes('token_type')) return 'no token_type';
  if (message.includes('refresh_token')) return 'a refresh_token that is not a string';
  return message.replace(/"/g, '') || 'unexpected body';
}

/** Turns an openid-client discovery failure into a {@link DiscoveryError} (or {@link TimeoutError}). */
export function toDiscoveryError(thrown: unknown, context: Omit<RequestContext, 'grant'>): AuthError {
  if (context.signal.aborted) return context.signal.reason as AuthError;
  if (thrown instanceof AuthError) return thrown;
  const target = `GET ${context.url}`;
  const error = thrown as { code?: unknown; cause?: unknown; status?: unknown; message?: unknown };
  if (error.code === 'OAUTH_TIMEOUT')
    return new TimeoutError({ target, timeout: context.timeout, cause: thrown });
  const status =
    typeof error.status === 'number'
      ? error.status
      : error.cause instanceof Response
        ? error.cause.status
        : undefined;
  if (status !== undefined) {
    const transient = status >= 500 || status === 429;
    return new DiscoveryError(
      `${target} answered ${status}. ${transient ? 'The provider has a problem; the request is retried.' : 'Check the issuer URL.'}`,
      { url: context.url, status, transient, cause: thrown },
    );
  }
  if (thrown instanceof TypeError && !('code' in thrown)) {
    return new DiscoveryError(
      `${target} failed: the OpenID Provider could not be reached. The request is retried.`,
      {
        url: context.url,
        transient: true,
        cause: thrown,
      },
    );
  }
  if (error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    return new DiscoveryError(
      `${target} describes another issuer than the one asked for. Check the issuer URL (it must match the provider's \`issuer\` exactly).`,
      { url: context.url, cause: thrown },
    );
  }
  return new DiscoveryError(
    `${target} did not give a usable OpenID configuration (${typeof error.message === 'string' ? error.message : 'unknown error'}). Check the issuer URL.`,
    { url: context.url, cause: thrown },
  );
}
