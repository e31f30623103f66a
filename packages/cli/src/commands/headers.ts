import { CliError } from '../cli-error.js';
import { type CommandContext, prepare } from '../context.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { headerValue } from '../session.js';
import { lifetime, verifyWithServer } from './shared.js';

/** Quotes a string for a POSIX shell: `'...'`, with each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The headers as curl options: `-H 'Name: value' ...`. */
export function curlFlags(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`)
    .join(' ');
}

/** `weaviate-auth headers`: prints the headers object for the console's Headers tab, or curl flags. */
export async function headersCommand(context: CommandContext): Promise<ExitCodeValue> {
  const { args, output } = context;
  const prepared = await prepare(context, { allowNone: false });
  try {
    const headers = await prepared.headers();
    if (headerValue(headers, 'authorization') === undefined) {
      throw new CliError('unexpected', 'no Authorization header was produced for this credential.');
    }
    const verification = args.verify ? await verifyWithServer(prepared) : undefined;
    if (args.json) {
      output.json({
        ok: true,
        headers,
        ...(args.curl ? { curl: curlFlags(headers) } : {}),
        credential: prepared.credential.kind,
        ...lifetime(prepared),
        verified: verification?.verified ?? null,
      });
    } else if (args.curl) {
      output.payload(curlFlags(headers));
    } else {
      output.payload(JSON.stringify(headers, null, 2));
    }
    return ExitCode.Ok;
  } finally {
    await prepared.session.close();
  }
}
