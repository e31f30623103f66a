import { Worker } from 'node:worker_threads';

/**
 * A keep-alive node:http server on 127.0.0.1 that checks nothing and answers every request with
 * 200 `{"data":{"ok":true}}` (valid for REST clients and for graphql-request alike).
 * It runs in a worker thread so that, on a 2-core machine, the client under test has the main thread's
 * core to itself and every client meets the same server.
 */
const serverSource = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = Buffer.from('{"data":{"ok":true}}');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.headersTimeout = 61000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (message) => {
  if (message === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
`;

export interface EchoServer {
  url: string;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  const worker = new Worker(serverSource, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (value: number) => resolve(value));
    worker.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
