import { DEFAULT_TIMEOUT } from '@auth/core';
import type { CommandName } from './args.js';
import { keysHelp } from './commands/keys-help.js';

const CREDENTIALS = `Credentials (give one kind; flags win over the environment; with none, the login that
\`weaviate-auth login\` stored for the cluster)
  --api-key <key>            WEAVIATE_API_KEY         an API key
  -u, --username <name>      WEAVIATE_USERNAME        OIDC username; the password comes from WEAVIATE_PASSWORD,
                                                      --password-stdin, or a prompt without echo on a terminal
  --client-secret <secret>   WEAVIATE_CLIENT_SECRET   OIDC client credentials (usually with --client-id)
  --client-id <id>           WEAVIATE_CLIENT_ID       the client that owns the secret (default: the one the
                                                      server announces; a password login always uses that one)
  --password <password>      (discouraged: a secret given as a flag lands in your shell history;
                              the CLI warns on stderr. The same goes for --api-key and --client-secret.)
  --password-stdin           read the password from stdin (one line)
  --scope <scope>            an extra OIDC scope; repeat for more`;

const OPTIONS = `Options
  --url <url>                WEAVIATE_URL             the cluster; without a scheme, http:// is assumed for
                                                      localhost and 127.x, https:// for any other host
  --json                     print one JSON document on stdout (errors too)
  --timeout <seconds>        per request (default ${DEFAULT_TIMEOUT / 1000})
  --allow-insecure-http      allow a credential over plain http to a non-loopback host
  -h, --help                 this help; \`weaviate-auth <command> --help\` for a command
  -v, --version              the version`;

const EXIT_CODES = `Exit codes
  0    ok            1  authentication failed (a credential was refused, a 401/403)
  2    usage error   3  server or OpenID Provider unreachable (or no answer in time, or no
                         Weaviate at the URL: a 404 or 5xx from /v1/meta or /v1/schema)
  130  the password prompt or a login was interrupted (Ctrl-C, Ctrl-D, the terminal closed),
       or keys delete was not confirmed`;

const MAIN = `weaviate-auth: fresh credentials for a Weaviate cluster, and a doctor for 401s

Usage
  weaviate-auth <command> --url <cluster> [credentials] [options]

Commands
  login     sign in in a browser (the device flow: a page and a code, no password here) and store the
            login; token, headers and check then need no credential
  logout    revoke the stored login at the provider and delete it
  token     print a fresh access token (or the API key) for an Authorization: Bearer header
  headers   print the headers JSON for the Weaviate console's Headers tab (--curl: curl flags)
  check     diagnose: OIDC discovery, the grant and token lifetime, who you are, whether you can read,
            and what a 401 or 403 most likely means
  keys      the cluster's API keys (database users): list, create, rotate, deactivate, activate, delete

${CREDENTIALS}

${OPTIONS}

${EXIT_CODES}

Examples
  weaviate-auth login --url https://my-cluster.weaviate.cloud && weaviate-auth token --url https://my-cluster.weaviate.cloud
  weaviate-auth token --url https://my-cluster.weaviate.cloud --username me@example.com
  WEAVIATE_API_KEY=... weaviate-auth headers --url http://localhost:8080
  weaviate-auth check --url http://localhost:8080 --username admin --password-stdin < pw.txt
`;

const COMMAND_HELP: Record<CommandName, string> = {
  token: `weaviate-auth token: print a fresh access token (or the API key)

Usage
  weaviate-auth token --url <cluster> [credentials] [--json] [--no-verify]

Prints the value that goes after "Authorization: Bearer " and nothing else on stdout, so it composes with
other commands. The server is asked once whether it accepts the credential (GET /v1/users/own-info, or
/v1/meta); --no-verify skips that (then an unknown API key is printed without complaint).

  --no-verify                do not ask the server whether it accepts the credential
  --json                     {"ok":true,"token":"...","type":"Bearer","grant":"password","expiresIn":300,...}

${CREDENTIALS}

${OPTIONS}

${EXIT_CODES}

Examples
  # a token for curl
  curl -H "Authorization: Bearer $(weaviate-auth token --url https://my-cluster.weaviate.cloud -u me@example.com)" \\
    https://my-cluster.weaviate.cloud/v1/schema
  # password from a file or a secret manager, never on the command line
  pass show weaviate | weaviate-auth token --url http://localhost:8080 -u admin --password-stdin
  # a service account
  WEAVIATE_CLIENT_SECRET=... weaviate-auth token --url http://localhost:8080 --client-id my-service --json
`,
  headers: `weaviate-auth headers: print the headers for the Weaviate console (or curl)

Usage
  weaviate-auth headers --url <cluster> [credentials] [--curl] [--json] [--no-verify]

Prints the JSON object to paste into the Headers tab of the Weaviate Cloud console when it queries your own
instance, e.g. {"Authorization": "Bearer eyJ..."}. OIDC tokens expire: run it again for a fresh one.

  --curl                     print -H 'Authorization: Bearer ...' instead (single-quoted for a POSIX shell)
  --no-verify                do not ask the server whether it accepts the credential
  --json                     {"ok":true,"headers":{...},"grant":"password","expiresIn":300,...}

${CREDENTIALS}

${OPTIONS}

${EXIT_CODES}

Examples
  weaviate-auth headers --url https://my-cluster.weaviate.cloud -u me@example.com | pbcopy
  eval "curl $(weaviate-auth headers --url http://localhost:8080 --curl) http://localhost:8080/v1/meta"
`,
  check: `weaviate-auth check: why does the server say 401?

Usage
  weaviate-auth check --url <cluster> [credentials] [--json]

Reports, step by step: whether the server answers; whether OIDC is on (issuer, client id, scopes); which
grant produced the token, its lifetime and whether a refresh token came back; who the server says you are
(GET /v1/users/own-info); whether the credential can read (GET /v1/schema or /v1/objects); and for a 401 or
403 what it most likely means and what to do. Without a credential it checks anonymous access. Never prints
a secret or a token. Exit code 0 only when the credential works and can read.

${CREDENTIALS}

${OPTIONS}

${EXIT_CODES}

Examples
  weaviate-auth check --url https://my-cluster.weaviate.cloud -u me@example.com
  WEAVIATE_API_KEY=... weaviate-auth check --url http://localhost:8080 --json | jq .problems
  weaviate-auth check --url http://localhost:8080          # is anonymous access on? is OIDC on?
`,
  keys: keysHelp(CREDENTIALS, OPTIONS, EXIT_CODES),
  login: `weaviate-auth login: sign in without handing over a password

Usage
  weaviate-auth login --url <cluster> [--scope <scope>] [--client-id <id>] [--json]

Signs in with the OAuth device flow (RFC 8628), as \`gh auth login\` does: it finds the cluster's OpenID
Provider (GET /v1/.well-known/openid-configuration), shows a page and a code on stderr, and waits while you
open the page in a browser (on any device), enter the code and sign in there, with MFA or SSO if your
provider asks for it. Then it stores the login for this cluster:

  <config>/logins/<host>-<hash>.json, where <config> is WEAVIATE_AUTH_CONFIG_DIR, else
  $XDG_CONFIG_HOME/weaviate-auth, else %APPDATA%\\weaviate-auth on Windows, else ~/.config/weaviate-auth

The file and its folder are yours alone (modes 0600 and 0700); the refresh token in it is encrypted
(AES-256-GCM) with a key derived from this machine's id, so a copy of the file is of no use on another
machine. Anything running as you on this machine can use it, as it can use your shell.

token, headers and check then use the login when no credential is given, and write back the refresh
tokens the provider rotates; so can apps (storedLogin() from @auth/cli/login). Run login again to replace
it; logout revokes it. Ctrl-C, Ctrl-D or closing the terminal cancels the sign-in, and nothing is stored.

  --scope <scope>            an extra scope to ask for; repeat for more (stored with the login)
  --client-id <id>           WEAVIATE_CLIENT_ID   the public client to sign in as (default: the one the
                                                  server announces)
  --json                     {"ok":true,"url":"...","issuer":"...","username":"...","file":"..."}

${OPTIONS}

Exit codes
  0    signed in, login stored     1  the sign-in was declined, expired, or the server refused the token
  2    usage error                 3  server or OpenID Provider unreachable
  130  cancelled (Ctrl-C, Ctrl-D, the terminal closed)

Examples
  weaviate-auth login --url https://my-cluster.weaviate.cloud
  weaviate-auth check --url https://my-cluster.weaviate.cloud          # uses the stored login
`,
  logout: `weaviate-auth logout: sign out of a cluster

Usage
  weaviate-auth logout --url <cluster> [--json]

Revokes the stored login's refresh token at the OpenID Provider (its revocation_endpoint, RFC 7009) and
deletes the login file. The file is deleted even when the revocation fails; the error then says so (the
refresh token stays valid at the provider until it expires).

  --json                     {"ok":true,"url":"...","revoked":true,"file":"..."}

${OPTIONS}

Exit codes
  0    signed out                  1  not signed in to this cluster, or the provider refused the revocation
  2    usage error                 3  server or OpenID Provider unreachable (the file is deleted all the same)

Examples
  weaviate-auth logout --url https://my-cluster.weaviate.cloud
`,
};

/** The help text for a command, or the overview. */
export function helpText(command: CommandName | undefined): string {
  return command === undefined ? MAIN : COMMAND_HELP[command];
}
