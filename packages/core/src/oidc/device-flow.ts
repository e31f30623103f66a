import { keepAlive, linkSignals, sleep } from '../abort.js';
import type { TokenRequest, TokenSet } from '../credentials/credentials.js';
import type { DevicePrompt } from '../credentials/device-code.js';
import { AuthError } from '../errors/auth-error.js';
import type { SignInError, SignInErrorOptions } from '../errors/sign-in-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import type { SecretSet } from '../secrets.js';
import { type Discovered, type GrantOptions, type OidcSession, withExtra } from './client.js';

const GRANT = 'device_code';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.2: the interval when the provider names none, and what `slow_down` adds to it (seconds). */
const DEFAULT_INTERVAL = 5;
const SLOW_DOWN_STEP = 5;

/** One run of the device flow, as the `deviceCode()` credential starts it. */
export interface DeviceFlowRun {
  readonly session: OidcSession;
  /** The scope to ask for, from what discovery found. */
  readonly scope: (discovered: Discovered) => string;
  readonly request: TokenRequest;
  readonly grant: GrantOptions;
  readonly onPrompt: (prompt: DevicePrompt) => void | Promise<void>;
  /** The application's signal: stop waiting for the person. */
  readonly cancel: AbortSignal | undefined;
  /** The credential's own secrets: the device code and user code are added, and scrubbed from any error. */
  readonly secrets: SecretSet;
  /**
   * Makes a {@link SignInError}. Passed in by the credential rather than imported: a class this lazily loaded
   * module imported, and that `@auth/core` also exports, esbuild would load with every app that imports
   * `@auth/core` (an API-key app included), in a chunk of its own.
   */
  readonly fail: (message: string, options: SignInErrorOptions) => SignInError;
}

/**
 * The device authorization grant (RFC 8628): asks the provider for a device code, shows the person where to
 * go and what to type (`onPrompt`), then polls the token endpoint at the provider's interval until they
 * approve (the token set), say no, or the code expires (a {@link SignInError}). `authorization_pending` and
 * network failures go on polling; `slow_down` adds 5 s to the interval for good. While it waits, its timer
 * keeps the process alive (someone is waiting for the person; the code's lifetime bounds it).
 */
export async function runDeviceFlow(run: DeviceFlowRun): Promise<TokenSet> {
  // The person may close the terminal (the app aborts `cancel`) or the auth object may close: either ends
  // the wait and any request in flight.
  const linked = linkSignals(run.request.signal, run.cancel);
  try {
    return await deviceFlow(run, { ...run.request, signal: linked.signal });
  } catch (error) {
    throw run.secrets.scrubError(
      linked.signal.aborted && (error as { name?: unknown })?.name !== 'SignInError' ? stopped(run) : error,
    );
  } finally {
    linked.dispose();
  }
}

async function deviceFlow(run: DeviceFlowRun, request: TokenRequest): Promise<TokenSet> {
  const { secrets } = run;
  const tools = await run.session.tools(request, run.grant);
  const endpoint = tools.metadata.device_authorization_endpoint;
  const issuer = tools.discovered.issuer;
  if (!endpoint) throw unsupported(run.fail, issuer, tools.metadata.grant_types_supported);
  const started = Date.now();
  const scope = run.scope(tools.discovered);
  const asked = withExtra(scope ? { scope } : {}, run.grant.extraParams);
  const authorization = await tools.call('device_authorization', endpoint, () =>
    tools.oc.initiateDeviceAuthorization(tools.config, asked),
  );
  secrets.remember(authorization.device_code);
  secrets.remember(authorization.user_code);
  const expiresIn = authorization.expires_in;
  const deadline = started + expiresIn * 1000;
  let interval =
    typeof authorization.interval === 'number' && authorization.interval > 0
      ? authorization.interval
      : DEFAULT_INTERVAL;
  try {
    await run.onPrompt(
      Object.freeze({
        verificationUri: authorization.verification_uri,
        verificationUriComplete: authorization.verification_uri_complete,
        userCode: authorization.user_code,
        expiresIn,
        reason: request.reason,
      }),
    );
  } catch (error) {
    throw run.fail(
      `The device sign-in was not started: \`onPrompt\` threw ${error instanceof Error ? error.name : typeof error}, so the person never saw the code. Check the onPrompt function (see \`cause\`).`,
      { reason: 'cancelled', grant: GRANT, cause: error },
    );
  }
  const poll = withExtra({ device_code: authorization.device_code }, run.grant.extraParams);
  for (;;) {
    if (Date.now() >= deadline) throw expired(run.fail, issuer, expiresIn);
    await wait(Math.min(interval * 1000, Math.max(0, deadline - Date.now())), request.signal);
    if (Date.now() >= deadline) throw expired(run.fail, issuer, expiresIn);
    try {
      return await tools.grant(GRANT, () =>
        tools.oc.genericGrantRequest(tools.config, DEVICE_CODE_GRANT, poll),
      );
    } catch (error) {
      if (request.signal.aborted) throw error;
      const next = afterPoll(run.fail, error, interval, issuer, expiresIn);
      interval = next.interval;
      if (next.wait > interval) await wait((next.wait - interval) * 1000, request.signal);
    }
  }
}

/** What a failed poll means: go on (with the interval, and a wait the provider asked for), or stop. */
function afterPoll(
  fail: DeviceFlowRun['fail'],
  error: unknown,
  interval: number,
  issuer: string,
  expiresIn: number,
): { interval: number; wait: number } {
  if (error instanceof TokenRequestError) {
    switch (error.error) {
      case 'authorization_pending':
        return { interval, wait: 0 };
      case 'slow_down':
        return { interval: interval + SLOW_DOWN_STEP, wait: 0 };
      case 'expired_token':
        throw expired(fail, issuer, expiresIn, error);
      case 'access_denied':
        throw fail(
          `The sign-in was declined at ${issuer} (access_denied${error.error_description ? `: ${error.error_description}` : ''}). Nothing was signed in; start the sign-in again to retry.`,
          {
            reason: 'access_denied',
            grant: GRANT,
            error: error.error,
            error_description: error.error_description,
          },
        );
    }
    // The provider or the network had a problem: the code is still good, the next poll may get through.
    if (error.transient) return { interval, wait: error.retryAfter ?? 0 };
  }
  if (error instanceof TimeoutError) return { interval, wait: 0 };
  throw error instanceof AuthError
    ? error
    : new TokenRequestError(`A poll of the device sign-in at ${issuer} failed; see \`cause\`.`, {
        grant: GRANT,
        cause: error,
      });
}

/** Sleeps, keeping the process alive (someone waits for the person); the signal's abort ends it. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, signal, (timer) => keepAlive(timer, true));
}

/** Why the flow stopped early: the auth object closed (its reason), or the application cancelled. */
function stopped(run: DeviceFlowRun): unknown {
  if (run.request.signal.aborted) return run.request.signal.reason;
  return run.fail(
    'The device sign-in was cancelled before the person approved it (the application stopped waiting, e.g. its terminal closed). Nothing was signed in; start the sign-in again.',
    { reason: 'cancelled', grant: GRANT },
  );
}

function expired(
  fail: DeviceFlowRun['fail'],
  issuer: string,
  expiresIn: number,
  cause?: TokenRequestError,
): SignInError {
  return fail(
    `The device code expired before the sign-in was approved at ${issuer} (it lived ${Math.round(expiresIn)} s). Start the sign-in again, and approve it at the page shown within that time.`,
    {
      reason: 'expired',
      grant: GRANT,
      error: cause?.error ?? 'expired_token',
      error_description: cause?.error_description,
      cause,
    },
  );
}

function unsupported(fail: DeviceFlowRun['fail'], issuer: string, listed: unknown): SignInError {
  const alternatives = alternativeGrants(listed);
  const ways: Record<string, string> = {
    password: 'a user name and password (oidcPassword(), the password grant)',
    client_credentials: 'a service client (clientCredentials())',
    authorization_code:
      "a browser sign-in (authorizationCode() from '@auth/core/browser'), then bearerToken({ refreshToken }) with its refresh token",
  };
  const instead = alternatives.map((grant) => ways[grant]).filter(Boolean);
  return fail(
    `The OpenID Provider ${issuer} offers no device sign-in: its discovery document names no device_authorization_endpoint (RFC 8628). ${instead.length > 0 ? `Sign in with ${instead.join('; or ')}.` : 'Ask its administrator to enable the device authorization grant, or sign in another way.'}`,
    { reason: 'unsupported', grant: GRANT, alternatives },
  );
}

/**
 * The grants a provider lists (`grant_types_supported`) that can sign in without a device: without a list,
 * RFC 8414's default (`authorization_code`).
 */
function alternativeGrants(listed: unknown): string[] {
  const grants = Array.isArray(listed) ? listed : ['authorization_code'];
  return ['password', 'client_credentials', 'authorization_code'].filter((grant) => grants.includes(grant));
}
