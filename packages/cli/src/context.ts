import { DEFAULT_TIMEOUT } from '@auth/core';
import type { ParsedArgs } from './args.js';
import { type CredentialSpec, resolveClientId, resolveCredentials, resolveUrl } from './credentials.js';
import { type DiscoveryProbe, explainFailure, probeDiscovery } from './diagnose.js';
import type { Output } from './output.js';
import type { CliInput } from './prompt.js';
import { type DiscoveryInfo, type ServerAnswer, Session } from './session.js';

/** Everything a command needs: the parsed arguments, the environment, stdin and the output. */
export interface CommandContext {
  args: ParsedArgs;
  env: Record<string, string | undefined>;
  input: CliInput;
  output: Output;
}

/**
 * A resolved URL + credential and the core `auth` for them. Everything it passes on from outside (server
 * answers, discovery, errors) is scrubbed of the run's secrets: commands read the server through it.
 */
export interface Prepared {
  baseUrl: string;
  credential: CredentialSpec;
  clientId: { clientId: string; source: string } | undefined;
  timeout: number;
  session: Session;
  /** The server's discovery answer, fetched once on first use (for diagnosis only). */
  probe: () => Promise<DiscoveryProbe>;
  /** Core's credential headers; a failure becomes an explained `CliError`. */
  headers: () => Promise<Record<string, string>>;
  /** GET `path` with the credential (one retry after a 401 when core has a new one); the body scrubbed. */
  get: (path: string) => Promise<ServerAnswer>;
  /** What core's discovery reported, once it ran. */
  discovery: () => DiscoveryInfo | undefined;
}

export async function prepare(context: CommandContext, options: { allowNone: boolean }): Promise<Prepared> {
  const { args, env, input, output } = context;
  const baseUrl = resolveUrl(args, env);
  const credential = await resolveCredentials(args, env, input, output, { ...options, baseUrl });
  const clientId = credential.kind === 'client-credentials' ? resolveClientId(args, env) : undefined;
  const timeout = args.timeout ?? DEFAULT_TIMEOUT;
  let probed: Promise<DiscoveryProbe> | undefined;
  const probe = () => {
    probed ??= probeDiscovery(baseUrl, timeout).then(
      (answer) => output.scrubbed(answer),
      (error: unknown) => Promise.reject(output.scrubbed(error)),
    );
    return probed;
  };
  let session: Session | undefined;
  const explain = (error: unknown) =>
    explainFailure(output.scrubbed(error), {
      baseUrl,
      credential:
        credential.kind === 'password'
          ? { ...credential, username: output.scrub(credential.username) }
          : credential,
      clientId: clientId?.clientId,
      announcedClientId: () => output.scrubbed(session?.discovery?.clientId),
      timeout,
      probe,
    });
  try {
    session = new Session({
      baseUrl,
      credential,
      clientId: clientId?.clientId,
      scopes: args.scopes,
      allowInsecureHttp: args.allowInsecureHttp,
      timeout,
      output,
    });
  } catch (error) {
    // createAuth() checks the options up front (plain http to a remote host, a malformed credential).
    throw await explain(error);
  }
  const created = session;
  const headers = async () => {
    try {
      return await created.headers();
    } catch (error) {
      throw await explain(error);
    }
  };
  const get = async (path: string): Promise<ServerAnswer> => {
    try {
      const answer = await created.get(path);
      return { ...answer, body: output.scrubbed(answer.body) };
    } catch (error) {
      throw output.scrubbed(error);
    }
  };
  const discovery = () => output.scrubbed(created.discovery);
  return { baseUrl, credential, clientId, timeout, session: created, probe, headers, get, discovery };
}
