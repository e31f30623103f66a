import type { TokenProvider, TokenRequest, TokenSet } from '../credentials/credentials.js';
import { TokenRequestError } from '../errors/token-request-error.js';
// The token manager loads its token-request code (requests.ts) with its first token request, and the store
// key's code (store-key.ts) with its first shared store. The tests that use this provider run on fake
// timers, which cannot wait for a real module load: the code is loaded with this file (like a bundle's chunk
// that is cached already), so that only the timers decide what runs when.
import '../requests.js';
import '../store-key.js';

/** A scripted token provider for the token manager's unit tests: counts calls and concurrency. */
export interface FakeProvider extends TokenProvider {
  readonly stats: { obtain: number; refresh: string[]; inFlight: number; maxInFlight: number };
  /** The next `count` requests fail with what `error()` returns. */
  fail(count: number, error?: () => Error): void;
  /** Lifetime of the tokens handed out next, in seconds (undefined: no expiry). */
  lifetime: number | undefined;
  /** How long each request takes, in ms. */
  delay: number;
}

export function transientError(): Error {
  return new TokenRequestError('provider down (test)', { grant: 'password', status: 503, transient: true });
}

export function invalidGrant(): Error {
  return new TokenRequestError('refused (test)', {
    grant: 'refresh_token',
    status: 400,
    error: 'invalid_grant',
  });
}

export function fakeProvider(options: {
  lifetime?: number | undefined;
  delay?: number;
  refreshTokens?: boolean;
  primary?: boolean;
  renewable?: boolean;
  initial?: TokenSet;
}): FakeProvider {
  let serial = 0;
  const failures: (() => Error)[] = [];
  const stats = { obtain: 0, refresh: [] as string[], inFlight: 0, maxInFlight: 0 };
  const issue = async (request: TokenRequest): Promise<TokenSet> => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, provider.delay));
      request.signal.throwIfAborted();
      const failure = failures.shift();
      if (failure) throw failure();
      serial++;
      return {
        accessToken: `access-${serial}`,
        expiresIn: provider.lifetime,
        refreshToken: options.refreshTokens ? `refresh-${serial}` : undefined,
      };
    } finally {
      stats.inFlight--;
    }
  };
  const provider: FakeProvider = {
    grant: 'password',
    renewable: options.renewable ?? true,
    stats,
    lifetime: 'lifetime' in options ? options.lifetime : 60,
    delay: options.delay ?? 10,
    fail(count, error = transientError) {
      for (let i = 0; i < count; i++) failures.push(error);
    },
    ...(options.initial ? { initial: () => options.initial! } : {}),
    ...(options.primary === false
      ? {}
      : {
          obtain(request: TokenRequest) {
            stats.obtain++;
            return issue(request);
          },
        }),
    ...(options.refreshTokens
      ? {
          refresh(refreshToken: string, request: TokenRequest) {
            stats.refresh.push(refreshToken);
            return issue(request);
          },
        }
      : {}),
  };
  return provider;
}
