import { describe, expect, it } from 'vitest';
import { apiKey, createAuth } from '../index.js';
import { checkAdapterArguments } from './auth-like.js';

describe('checkAdapterArguments', () => {
  const call = { adapter: '@auth/example', call: 'withAuth(client, auth)' };
  const target = { valid: true, needs: 'a client, e.g. createClient()' };

  it('accepts the object createAuth() returns, and any object with its two methods', async () => {
    const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('key') });
    expect(() => checkAdapterArguments({ ...call, auth, target })).not.toThrow();
    await auth.close();
    const double = { authorize: async () => ({}), handleUnauthorized: async () => false };
    expect(() => checkAdapterArguments({ ...call, auth: double })).not.toThrow();
  });

  it.each([undefined, null, {}, { authorize: () => ({}) }, 'key'])(
    'refuses %j as auth, naming the adapter',
    (auth) => {
      expect(() => checkAdapterArguments({ ...call, auth, target })).toThrow(
        new TypeError(
          '@auth/example: withAuth(client, auth) needs the object returned by createAuth() as auth.',
        ),
      );
    },
  );

  it('checks the target first', () => {
    expect(() =>
      checkAdapterArguments({ ...call, auth: undefined, target: { ...target, valid: false } }),
    ).toThrow(new TypeError('@auth/example: withAuth(client, auth) needs a client, e.g. createClient().'));
  });
});
