/** The help text of `weaviate-auth keys`, around the shared credential, option and exit code sections. */
export function keysHelp(credentials: string, options: string, exitCodes: string): string {
  return `weaviate-auth keys: the cluster's API keys (Weaviate's database users, 1.30 and later)

Usage
  weaviate-auth keys list                               [--json]
  weaviate-auth keys create <user> [--role viewer|admin] [--json]
  weaviate-auth keys rotate <user>                      [--json]
  weaviate-auth keys deactivate <user> [--revoke-key]
  weaviate-auth keys activate <user>
  weaviate-auth keys delete <user> [--yes]

Each database user has one API key. create and rotate print the key alone on stdout (the reminder goes to
stderr), and Weaviate never shows it again: store it right away. A rotated or deleted key, or the key of a
deactivated user, gets 401 from the next request on. Managing users needs an admin credential: a read-only
or viewer key gets "this needs an admin key".

  list                       user, type (database or static), roles, active, created, last used, key prefix
                             (static users and key prefixes are shown to root users only)
  create <user>              a new user and its key; --role viewer (the default: reads) or admin (reads,
                             writes, manages users), assigned through Weaviate's RBAC
  rotate <user>              a new key for the user; the old one stops working at once
  deactivate <user>          its key is refused until activate; --revoke-key: until rotate, too
  activate <user>            its key works again
  delete <user>              the user and its key; asks on a terminal, --yes otherwise
  --json                     one JSON document: {"ok":true,"user":"...","role":"viewer","apiKey":"..."},
                             {"ok":true,"users":[{"user","type","roles","active","createdAt","lastUsedAt","keyPrefix"}]}

${credentials}

${options}

${exitCodes}
  (keys: 1 also when the server refuses the change: 403 not an admin, 404 unknown user, 409 name taken;
  130 when delete was not confirmed)

Examples
  WEAVIATE_API_KEY=$ADMIN_KEY weaviate-auth keys create etl-job --role viewer > etl-job.key
  weaviate-auth keys list --url https://my-cluster.weaviate.cloud
  weaviate-auth keys rotate etl-job --json | jq -r .apiKey | vault kv put secret/etl-job key=-
  weaviate-auth keys delete etl-job --yes
`;
}
