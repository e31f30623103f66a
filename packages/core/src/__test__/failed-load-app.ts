/**
 * Run by create-auth.test.ts as a child process (`node --import tsx failed-load-app.ts <scenario>`): a real
 * module loader hook makes the first import of the token manager's module fail the way a lazily loaded chunk
 * fails in an app (the file is not there: the browser was offline for a moment, a deploy replaced the
 * chunks); every later import finds it. Prints what each call gave, as JSON.
 */
import { register } from 'node:module';

const hooks = `
let failed = false;
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (failed || !resolved.url.endsWith('/src/token-manager.ts')) return resolved;
  failed = true;
  return { ...resolved, url: new URL('./token-manager.gone.ts', resolved.url).href };
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

const { apiKey, createAuth, tokenSource } = await import('../index.js');

const baseUrl = 'http://127.0.0.1:9';
const settle = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error: `${error.name}: ${error.message}` }),
  );

const scenario = process.argv[2];
if (scenario === 'token') {
  // A credential with tokens loads the token manager for its first authorize().
  const auth = createAuth({
    baseUrl,
    credentials: tokenSource(async () => ({ accessToken: 'token-0123456789', expiresIn: 3600 })),
  });
  const calls = [await settle(auth.authorize('/v1/meta')), await settle(auth.authorize('/v1/meta'))];
  calls.push(await settle(auth.close()));
  console.log(JSON.stringify(calls));
} else if (scenario === 'scrubber') {
  // A static key loads it only to scrub what it reports: here, a 401 report.
  const events: string[] = [];
  const auth = createAuth({
    baseUrl,
    credentials: apiKey('key-0123456789'),
    onEvent: (event) => events.push(event.type),
  });
  const sent = { Authorization: 'Bearer key-0123456789' };
  const calls = [
    await settle(auth.handleUnauthorized('/v1/meta', sent)),
    await settle(auth.handleUnauthorized('/v1/meta', sent)),
  ];
  await auth.close();
  console.log(JSON.stringify({ calls, events }));
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
