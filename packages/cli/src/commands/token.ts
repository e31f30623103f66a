import { CliError } from '../cli-error.js';
import { type CommandContext, prepare } from '../context.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { bearerValue, headerValue } from '../session.js';
import { lifetime, verifyWithServer } from './shared.js';

/** `weaviate-auth token`: prints the bearer credential (an access token, or the API key). */
export async function tokenCommand(context: CommandContext): Promise<ExitCodeValue> {
  const { args, output } = context;
  const prepared = await prepare(context, { allowNone: false });
  try {
    const headers = await prepared.headers();
    const authorization = headerValue(headers, 'authorization');
    if (authorization === undefined) {
      throw new CliError('unexpected', 'no Authorization header was produced for this credential.');
    }
    const verification = args.verify ? await verifyWithServer(prepared) : undefined;
    const token = bearerValue(authorization) ?? authorization;
    if (args.json) {
      output.json({
        ok: true,
        token,
        type: bearerValue(authorization) === undefined ? null : 'Bearer',
        credential: prepared.credential.kind,
        ...lifetime(prepared),
        verified: verification?.verified ?? null,
      });
    } else {
      output.payload(token);
    }
    return ExitCode.Ok;
  } finally {
    await prepared.session.close();
  }
}
