/**
 * Scope lists joined the way OAuth wants them: split on whitespace, single-space joined, first occurrence
 * kept. `joinScopes(['openid email'], ['email', 'offline_access'])` is `'openid email offline_access'`.
 */
export function joinScopes(...lists: (readonly string[] | undefined)[]): string {
  const scopes = new Set<string>();
  for (const list of lists) {
    for (const entry of list ?? []) {
      for (const scope of entry.split(/\s+/)) if (scope) scopes.add(scope);
    }
  }
  return [...scopes].join(' ');
}

/**
 * The scope of a client-credentials request: the user's scopes; with none, `<clientId>/.default` for
 * Microsoft Entra ID (it requires a resource), else no scope at all (the provider's default).
 */
export function clientCredentialsScope(
  userScopes: readonly string[] | undefined,
  clientId: string,
  tokenEndpoint: string,
): string {
  const scope = joinScopes(userScopes);
  if (scope) return scope;
  return new URL(tokenEndpoint).hostname.toLowerCase() === 'login.microsoftonline.com'
    ? `${clientId}/.default`
    : '';
}
