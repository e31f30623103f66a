import { describe, expect, it } from 'vitest';
import { HELP, parseCliArgs } from './cli-args.js';
import { startWeaviateServer } from './index.js';

describe('weaviate-auth-server flags', () => {
  it('defaults: OIDC on, anonymous off, nothing fixed', () => {
    expect(parseCliArgs([])).toEqual({ options: { oidc: true, anonymousAccess: false }, json: false });
  });

  it('maps every flag to a server option', () => {
    expect(
      parseCliArgs([
        '--host=0.0.0.0',
        '--port',
        '8080',
        '--oidc-port',
        '8081',
        '--token-ttl',
        '3',
        '--refresh-ttl',
        '30',
        '--client-id',
        'wv',
        '--scope',
        'openid',
        '--scope',
        'profile',
        '--admin-key',
        'ak',
        '--read-only-key',
        'rk',
        '--admin-password',
        'ap',
        '--reader-password',
        'rp',
        '--client-secret',
        'cs',
        '--no-oidc',
        '--anonymous',
        '--json',
      ]),
    ).toEqual({
      json: true,
      options: {
        host: '0.0.0.0',
        port: 8080,
        oidcPort: 8081,
        accessTokenTtl: 3,
        refreshTokenTtl: 30,
        clientId: 'wv',
        scopes: ['openid', 'profile'],
        apiKeys: [
          { key: 'ak', role: 'admin' },
          { key: 'rk', role: 'read-only' },
        ],
        users: [
          { username: 'admin', password: 'ap', role: 'admin' },
          { username: 'reader', password: 'rp', role: 'read-only' },
        ],
        clients: [{ clientId: 'wv-service', clientSecret: 'cs', role: 'admin' }],
        oidc: false,
        anonymousAccess: true,
      },
    });
  });

  it('--rbac, --db-users and --no-scopes', () => {
    expect(parseCliArgs(['--rbac', '--no-db-users', '--no-scopes'])?.options).toMatchObject({
      authorization: 'rbac',
      dbUsers: false,
      scopes: [],
    });
    expect(parseCliArgs(['--db-users'])?.options).toMatchObject({ dbUsers: true });
    expect(() => parseCliArgs(['--no-scopes', '--scope', 'openid'])).toThrow(/contradict/);
  });

  it('--help returns nothing to start and the help names every flag', () => {
    expect(parseCliArgs(['--help'])).toBeUndefined();
    expect(parseCliArgs(['-h'])).toBeUndefined();
    for (const flag of ['--port', '--token-ttl', '--no-oidc', '--admin-key', '--json'])
      expect(HELP).toContain(flag);
  });

  it('refuses a bad number and an unknown flag with a message naming it', () => {
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow(/--port must be a whole number/);
    expect(() => parseCliArgs(['--nope'])).toThrow(/nope/);
  });

  it('the parsed options start a server with the fixed credentials', async () => {
    const parsed = parseCliArgs(['--admin-key', 'fixed', '--token-ttl', '2', '--client-secret', 'shh']);
    const server = await startWeaviateServer(parsed!.options);
    try {
      expect(server.keys.admin).toBe('fixed');
      expect(server.clients.service).toEqual({ clientId: 'weaviate-service', clientSecret: 'shh' });
      expect((await server.issueTokens()).expiresIn).toBe(2);
    } finally {
      await server.close();
    }
  });
});
