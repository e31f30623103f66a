import {
  type AuthEvent,
  createAuth,
  DEFAULT_TIMEOUT,
  type DevicePrompt,
  deviceCode,
  memoryStore,
  type StoredToken,
  type TokenStore,
} from '@auth/core';
import { CliError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { resolveClientId, resolveUrl } from '../credentials.js';
import { explainFailure, networkProblem, probeDiscovery } from '../diagnose.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { configDir, loginFile, writeLogin } from '../login/login-file.js';
import type { Output } from '../output.js';
import type { CliInput } from '../prompt.js';
import { bearerValue } from '../session.js';
import { parseIdentity } from './shared.js';

/**
 * `weaviate-auth login`: signs in with the device flow (discovery through the cluster), shows the page and
 * the code on stderr, waits for the approval, and stores the refresh token in the user's login file. Ctrl-C,
 * Ctrl-D or a closed terminal cancel the sign-in; nothing is stored then.
 */
export async function loginCommand(context: CommandContext): Promise<ExitCodeValue> {
  const { args, env, output } = context;
  const baseUrl = resolveUrl(args, env);
  const clientId = resolveClientId(args, env)?.clientId;
  const file = loginFile(baseUrl, configDir(env));
  const timeout = args.timeout ?? DEFAULT_TIMEOUT;
  const cancel = new AbortController();
  const stopWatching = watchForHangUp(context.input, cancel);
  // The tokens the sign-in gives (the refresh token is what gets stored).
  let obtained: StoredToken | undefined;
  const memory = memoryStore();
  const store: TokenStore = {
    ...memory,
    set: (key, token, options) => {
      obtained = token;
      output.addSecret(token.accessToken);
      output.addSecret(token.refreshToken);
      memory.set(key, token, options);
    },
  };
  let issuer: string | undefined;
  const auth = createAuth({
    baseUrl,
    credentials: deviceCode({
      onPrompt: (prompt) => showPrompt(prompt, baseUrl, output),
      signal: cancel.signal,
      ...(args.scopes.length > 0 ? { scopes: args.scopes } : {}),
      ...(clientId === undefined ? {} : { clientId }),
    }),
    store,
    allowInsecureHttp: args.allowInsecureHttp,
    timeout,
    onEvent: (event: AuthEvent) => {
      if (event.type === 'discovery') issuer = event.issuer;
    },
  });
  try {
    let headers: Record<string, string>;
    try {
      headers = await auth.authorize(`${baseUrl}/v1/users/own-info`);
    } catch (error) {
      let probed: ReturnType<typeof probeDiscovery> | undefined;
      throw await explainFailure(output.scrubbed(error), {
        baseUrl,
        credential: { kind: 'device', source: 'weaviate-auth login' },
        clientId,
        announcedClientId: () => undefined,
        timeout,
        probe: () => {
          probed ??= probeDiscovery(baseUrl, timeout);
          return probed;
        },
      });
    }
    for (const value of Object.values(headers)) output.addSecret(bearerValue(value) ?? value);
    if (obtained?.refreshToken === undefined) {
      throw new CliError(
        'sign_in_failed',
        'the sign-in worked, but the OpenID Provider gave no refresh token, so there is nothing to store that would outlive this token.',
        {
          hints: [
            'Likely: the client may not use refresh tokens, or the provider grants them only with the offline_access scope.',
            'Do: allow refresh tokens for the client at the provider (or pass --scope offline_access if it wants it asked for).',
          ],
        },
      );
    }
    const username = await whoAmI(baseUrl, headers, timeout);
    writeLogin(file, { url: baseUrl, clientId, scopes: args.scopes }, obtained);
    if (args.json) {
      output.json({ ok: true, url: baseUrl, issuer: issuer ?? null, username: username ?? null, file });
    } else {
      output.err(
        `Signed in to ${baseUrl}${username === undefined ? '' : ` as ${output.scrub(username)}`}. The login is stored in ${file} (yours alone, encrypted for this machine); weaviate-auth token, headers and check use it, and so can apps (storedLogin() from @auth/cli/login).`,
      );
    }
    return ExitCode.Ok;
  } finally {
    stopWatching();
    await auth.close();
  }
}

/** Shows where to sign in, on stderr: the page and the code, with nothing a terminal would interpret. */
function showPrompt(prompt: DevicePrompt, baseUrl: string, output: Output): void {
  const page = safeUrl(prompt.verificationUri);
  if (page === undefined) {
    throw new CliError(
      'sign_in_failed',
      'the OpenID Provider named a sign-in page that is not an http(s) URL; it is not shown.',
    );
  }
  const complete = prompt.verificationUriComplete && safeUrl(prompt.verificationUriComplete);
  const code = prompt.userCode.replace(/[^\x21-\x7e]/g, '');
  const minutes = Math.max(1, Math.round(prompt.expiresIn / 60));
  const why =
    prompt.reason === 'initial' ? '' : ' (the stored sign-in was refused by the provider; sign in again)';
  output.rawErr(
    [
      `To sign in to ${baseUrl}${why}, open this page in a browser, on any device:`,
      '',
      `    ${page}`,
      '',
      'and enter the code:',
      '',
      `    ${code}`,
      '',
      ...(complete ? [`(or open ${complete} to have the code filled in)`, ''] : []),
      `Waiting for the sign-in to be approved (the code expires in ${minutes} minute${minutes === 1 ? '' : 's'}; Ctrl-C cancels)...`,
      '',
    ].join('\n'),
  );
}

/** `url` as it may be printed: an http(s) URL, normalised (control characters percent-encoded), or undefined. */
function safeUrl(url: string): string | undefined {
  const parsed = URL.parse(url);
  return parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? parsed.href : undefined;
}

/** Who the server says the signed-in user is (`GET /v1/users/own-info`), when it says. */
async function whoAmI(
  baseUrl: string,
  headers: Record<string, string>,
  timeout: number,
): Promise<string | undefined> {
  const url = `${baseUrl}/v1/users/own-info`;
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeout),
      redirect: 'manual',
    });
    if (response.status === 401) {
      throw new CliError(
        'unauthorized',
        `the sign-in worked, but the server refused its token (GET /v1/users/own-info -> 401); nothing was stored.`,
        {
          hints: [
            'Likely: the provider issues tokens for another audience than the client id the server expects.',
            "Do: run `weaviate-auth check` with another credential to see the server's OIDC settings.",
          ],
        },
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return parseIdentity(await response.json()).username;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw networkProblem(error, `GET ${url}`) ?? error;
  }
}

/**
 * Cancels the sign-in when the person gives up: Ctrl-C (SIGINT), a closed terminal (SIGHUP, or the end of a
 * terminal's input: Ctrl-D). Returns what stops watching.
 */
function watchForHangUp(input: CliInput, cancel: AbortController): () => void {
  const stop = () => cancel.abort();
  const terminal = input.isTTY === true;
  const watch = (method: 'on' | 'off') => {
    if (terminal) {
      input[method]('end', stop);
      input[method]('close', stop);
      // Reading is what lets the end of input be seen; what is typed meanwhile is dropped.
      input[method]('data', ignore);
    }
    process[method]('SIGINT', stop);
    process[method]('SIGHUP', stop);
  };
  watch('on');
  if (terminal) input.resume();
  return () => {
    watch('off');
    if (terminal) input.pause();
  };
}

function ignore(): void {}
