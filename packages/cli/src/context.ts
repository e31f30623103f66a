import { DEFAULT_TIMEOUT } from '@auth/core';
import type { ParsedArgs } from './args.js';
import { type CredentialSpec, resolveClientId, resolveCredentials, resolveUrl } from './credentials.js';
import { type DiscoveryProbe, explainFailure, probeDiscovery } from './diagnose.js';
import type { Output } from './output.js';
import type { CliInput } from './prompt.js';
import { Session } from './session.js';

/** Everything a command needs: the parsed arguments, the environment, stdin and the output. */
export interface CommandContext {
  args: ParsedArgs;
  env: Record<string, string | undefined>;
  input: CliInput;
  output: Output;
}

/** A resolved URL + credential and the core `auth` for them. */
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
}

export async function prepare(context: CommandContext, options: { allowNone: boolean }): Promise<Prepared> {
  const { args, env, input, output } = context;
  const baseUrl = resolveUrl(args, env);
  const credential = await resolveCredentials(args, env, input, output, options);
  const clientId = credential.kind === 'client-credentials' ? resolveClientId(args, env) : undefined;
  const timeout = args.timeout ?? DEFAULT_TIMEOUT;
  let probed: Promise<DiscoveryProbe> | undefined;
  const probe = () => {
    probed ??= probeDiscovery(baseUrl, timeout);
    return probed;
  };
  let session: Session | undefined;
  const explain = (error: unknown) =>
    explainFailure(error, {
      baseUrl,
      credential,
      clientId: clientId?.clientId,
      announcedClientId: () => session?.discovery?.clientId,
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
  return { baseUrl, credential, clientId, timeout, session: created, probe, headers };
}
