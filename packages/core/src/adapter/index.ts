// `@auth/core/adapter`: what every adapter shares, so that each rule is written once.
export { sleep, unref } from '../abort.js';
export { type AdapterArguments, type AuthLike, checkAdapterArguments } from './auth-like.js';
export { discardBody, RETRIED } from './discard.js';
export { isAuthFailure, type ReadAnswer } from './failure.js';
export { applyAuthHeaders, withAuthHeaders } from './headers.js';
export { isOneShotBody } from './one-shot.js';
export { type RedirectSafeFetchOptions, redirectSafeFetch } from './redirect-safe-fetch.js';
export {
  crossOriginDropped,
  type FollowRedirectsOptions,
  followRedirects,
  isRedirect,
  type SentRequest,
  shouldFollowRedirects,
} from './redirects.js';
export { renewAfterUnauthorized } from './renew.js';
export type { BodyInput, FetchFunction, FetchInput, HeadersInput, RedirectMode } from './web-types.js';
