import { afterEach, describe, expect, it } from 'vitest';
import { type RecordingServer, startRecordingServer } from './index.js';

const open: RecordingServer[] = [];
const start = async (host?: string): Promise<RecordingServer> => {
  const server = await startRecordingServer(host === undefined ? {} : { host });
  open.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

describe('startRecordingServer()', () => {
  it('records method, path, query and headers, and answers 200 with JSON', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/v1/things?limit=2`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc', 'x-extra': 'yes' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(await (await fetch(`${server.url}/v1/graphql`, { method: 'POST', body: '{}' })).json()).toEqual({
      data: { ok: true },
    });
    expect(server.seen.map(({ method, path, url }) => ({ method, path, url }))).toEqual([
      { method: 'POST', path: '/v1/things', url: '/v1/things?limit=2' },
      { method: 'POST', path: '/v1/graphql', url: '/v1/graphql' },
    ]);
    expect(server.seen[0]?.headers).toMatchObject({ authorization: 'Bearer abc', 'x-extra': 'yes' });
  });

  it('redirects (302 by default, or the given status), answers a chosen status, and can demand one Authorization', async () => {
    const home = await start();
    const other = await start();
    home.redirect('/away', `${other.url}/landed`);
    home.redirect('/moved', '/here', 308);
    home.respond('/denied', 401);
    const away = await fetch(`${home.url}/away`, { headers: { authorization: 'Bearer secret' } });
    expect(away.status).toBe(200);
    // fetch drops Authorization on the cross-origin hop: the other origin saw none.
    expect(other.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
      ['/landed', undefined],
    ]);
    const moved = await fetch(`${home.url}/moved`, { redirect: 'manual' });
    expect([moved.status, moved.headers.get('location')]).toEqual([308, '/here']);
    expect((await fetch(`${home.url}/denied`)).status).toBe(401);

    home.accept('Bearer right');
    expect((await fetch(`${home.url}/x`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${home.url}/x`, { headers: { authorization: 'Bearer right' } })).status).toBe(200);
    home.accept('Bearer right', { status: 400, body: { error: 'token_expired' } });
    const refused = await fetch(`${home.url}/x`, { headers: { authorization: 'Bearer wrong' } });
    expect([refused.status, await refused.json()]).toEqual([400, { error: 'token_expired' }]);
    home.accept(undefined);
    expect((await fetch(`${home.url}/x`)).status).toBe(200);
  });

  it('reset() forgets what was seen and every rule', async () => {
    const server = await start();
    server.redirect('/a', '/b');
    server.respond('/c', 503);
    server.accept('Bearer only');
    await fetch(`${server.url}/a`, { redirect: 'manual' });
    server.reset();
    expect(server.seen).toEqual([]);
    for (const path of ['/a', '/c']) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
  });

  it('listens on IPv6 loopback with the host in brackets; close() twice is harmless', async () => {
    const server = await startRecordingServer({ host: '::1' });
    expect(server.url).toBe(`http://[::1]:${server.port}`);
    expect((await fetch(`${server.url}/six`)).status).toBe(200);
    await server.close();
    await server.close();
    await expect(fetch(`${server.url}/six`)).rejects.toThrow();
  });

  it('rejects when the address cannot be used', async () => {
    await expect(startRecordingServer({ host: '203.0.113.1' })).rejects.toThrow(/EADDRNOTAVAIL/);
  });
});
