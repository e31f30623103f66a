import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the provider answers to one token request, given the form it received (and its raw body). */
export type Answer = (form: URLSearchParams, raw: string) => { status: number; type?: string; body: unknown };

/**
 * A small OpenID Provider on 127.0.0.1 that answers token requests however a test says (`answer()`): e.g. by
 * echoing what it was sent, or with a token no header can carry. Give it to `createAuth` with
 * `oidc: { issuer: provider.url, clientId }`.
 */
export async function startScriptedProvider() {
  let answer: Answer = () => ({ status: 500, body: { error: 'server_error' } });
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    request.on('end', () => {
      if (request.url === '/.well-known/openid-configuration') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ issuer: url, token_endpoint: `${url}/token` }));
        return;
      }
      const { status, type = 'application/json', body } = answer(new URLSearchParams(raw), raw);
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    answer: (next: Answer) => {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
