import { fileURLToPath } from 'node:url';
import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { createServer, defaultClientConditions, type Plugin } from 'vite';
import { embeddedTarget } from './demo.js';

export interface BrowserDemo {
  /** The page to open. */
  pageUrl: string;
  server: WeaviateServer;
  close(): Promise<void>;
}

/**
 * Starts the embedded server and a Vite dev server for the browser page. The page asks `/demo/config` for the
 * embedded server's URL and demo credentials (throwaway ones, made up at start) and `/demo/tokens` for a
 * fresh bearer + refresh token pair.
 */
export async function startBrowserDemo(options: {
  tokenLifetime: number;
  port?: number;
}): Promise<BrowserDemo> {
  const server = await startWeaviateServer({ accessTokenTtl: options.tokenLifetime });
  const json = (body: unknown) => JSON.stringify(body);
  const demoEndpoints: Plugin = {
    name: 'demo-endpoints',
    configureServer(vite) {
      vite.middlewares.use('/demo/config', (_request, response) => {
        response.setHeader('content-type', 'application/json');
        // The page gets the target without its functions: it asks /demo/tokens for bearer tokens itself.
        const { bearerTokens: _, ...target } = embeddedTarget(server, options.tokenLifetime + 0.5);
        response.end(json({ ...target, tokenLifetime: options.tokenLifetime }));
      });
      vite.middlewares.use('/demo/tokens', (_request, response) => {
        server.issueTokens().then(
          (tokens) => {
            response.setHeader('content-type', 'application/json');
            response.end(json(tokens));
          },
          () => {
            response.statusCode = 502;
            response.end();
          },
        );
      });
    },
  };
  const vite = await createServer({
    configFile: false,
    root: fileURLToPath(new URL('./browser', import.meta.url)),
    logLevel: 'warn',
    resolve: { conditions: ['@auth/source', ...defaultClientConditions] },
    server: { host: '127.0.0.1', port: options.port ?? 0, strictPort: false },
    plugins: [demoEndpoints],
  });
  await vite.listen();
  const address = vite.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the page server did not start');
  return {
    pageUrl: `http://127.0.0.1:${address.port}/`,
    server,
    async close() {
      await vite.close();
      await server.close();
    },
  };
}
