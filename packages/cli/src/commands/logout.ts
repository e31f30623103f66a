import { createAuth, DEFAULT_TIMEOUT, deviceCode } from '@auth/core';
import { CliError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { loginFileProblem, resolveUrl } from '../credentials.js';
import { explainFailure, probeDiscovery } from '../diagnose.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { configDir, deleteLogin, type Login, loginFile, readLogin } from '../login/login-file.js';
import { loginStore } from '../login/login-store.js';

/**
 * `weaviate-auth logout`: revokes the stored login's refresh token at the provider (RFC 7009) and deletes the
 * login file. The file goes even when the revocation fails (the error says the token then stays valid until
 * it expires).
 */
export async function logoutCommand(context: CommandContext): Promise<ExitCodeValue> {
  const { args, env, output } = context;
  const baseUrl = resolveUrl(args, env);
  const file = loginFile(baseUrl, configDir(env));
  let login: Login | undefined;
  try {
    login = readLogin(file);
  } catch (error) {
    // A file this machine cannot read holds nothing to revoke with: it goes all the same.
    deleteLogin(file);
    const problem = loginFileProblem(error, baseUrl);
    throw new CliError(
      problem.code,
      `deleted the login file, but could not revoke its refresh token: ${problem.message}`,
      { cause: error },
    );
  }
  if (login === undefined) {
    throw new CliError('not_signed_in', `not signed in to ${baseUrl}: there is no login file (${file}).`, {
      hints: [
        'Sign in with `weaviate-auth login --url <cluster>`; `weaviate-auth --help` lists the commands.',
      ],
    });
  }
  output.addSecret(login.token.accessToken);
  output.addSecret(login.token.refreshToken);
  const { refreshToken } = login.token;
  let revoked = false;
  if (refreshToken !== undefined) {
    const timeout = args.timeout ?? DEFAULT_TIMEOUT;
    const auth = createAuth({
      baseUrl,
      credentials: deviceCode({
        refreshToken,
        ...(login.scopes.length > 0 ? { scopes: login.scopes } : {}),
        ...(login.clientId === undefined ? {} : { clientId: login.clientId }),
      }),
      // Signing out deletes the file (the store's entry), then revokes the refresh token.
      store: loginStore(file, login),
      allowInsecureHttp: args.allowInsecureHttp,
      timeout,
    });
    try {
      await auth.signOut();
      revoked = true;
    } catch (error) {
      deleteLogin(file);
      const explained = await explainFailure(output.scrubbed(error), {
        baseUrl,
        credential: { kind: 'login', login, file, source: file },
        clientId: login.clientId,
        announcedClientId: () => undefined,
        timeout,
        probe: () => probeDiscovery(baseUrl, timeout),
      });
      throw new CliError(
        explained.code,
        `deleted the login file, but the provider did not revoke the refresh token, which stays valid until it expires: ${explained.message}`,
        { exitCode: explained.exitCode, hints: explained.hints, cause: error },
      );
    }
  } else {
    deleteLogin(file);
  }
  if (args.json) {
    output.json({ ok: true, url: baseUrl, revoked, file });
  } else {
    output.err(
      revoked
        ? `Signed out of ${baseUrl}: the refresh token was revoked at the provider, and ${file} was deleted.`
        : `Signed out of ${baseUrl}: ${file} was deleted (it held no refresh token to revoke).`,
    );
  }
  return ExitCode.Ok;
}
