import { describe, expect, it } from 'vitest';
import { clientCredentialsScope, joinScopes } from './scopes.js';

describe('scopes', () => {
  it('joins server, user and offline_access scopes with single spaces, first occurrence kept', () => {
    expect(joinScopes(['openid', 'email'], ['email', 'profile openid'], ['offline_access'])).toBe(
      'openid email profile offline_access',
    );
    expect(joinScopes(undefined, ['  a   b '], [])).toBe('a b');
  });

  it('uses <clientId>/.default for Microsoft Entra ID when no scope is given, and nothing elsewhere', () => {
    const entra = 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token';
    expect(clientCredentialsScope(undefined, 'my-client', entra)).toBe('my-client/.default');
    expect(clientCredentialsScope([], 'my-client', entra)).toBe('my-client/.default');
    expect(clientCredentialsScope(['api://x/.default'], 'my-client', entra)).toBe('api://x/.default');
    expect(clientCredentialsScope(undefined, 'my-client', 'https://id.example.com/token')).toBe('');
  });
});
