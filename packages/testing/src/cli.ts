#!/usr/bin/env node
import { HELP, parseCliArgs } from './cli-args.js';
import { startWeaviateServer, type WeaviateServer } from './server.js';

function describe(server: WeaviateServer): Record<string, unknown> {
  return {
    url: server.url,
    issuer: server.issuer || null,
    tokenEndpoint: server.tokenEndpoint || null,
    clientId: server.clientId,
    scopes: server.scopes,
    authorization: server.authorization,
    dbUsers: server.dbUsers,
    anonymousAccess: server.anonymousAccess,
    apiKeys: { admin: server.keys.admin, readOnly: server.keys.readOnly },
    users: {
      admin: { ...server.users.admin },
      readOnly: { ...server.users.readOnly },
    },
    serviceClient: { ...server.clients.service },
  };
}

function print(server: WeaviateServer): void {
  const lines = [
    `Weaviate REST   ${server.url}`,
    server.issuer
      ? `OIDC issuer     ${server.issuer}\nToken endpoint  ${server.tokenEndpoint}\nClient id       ${server.clientId} (scopes: ${server.scopes.join(' ') || 'none'})`
      : 'OIDC            off',
    `Admin key       ${server.keys.admin}`,
    `Read-only key   ${server.keys.readOnly}`,
  ];
  if (server.issuer) {
    lines.push(
      `Admin user      ${server.users.admin.username} / ${server.users.admin.password}`,
      `Read-only user  ${server.users.readOnly.username} / ${server.users.readOnly.password}`,
      `Service client  ${server.clients.service.clientId} / ${server.clients.service.clientSecret}`,
    );
  }
  lines.push(
    `Authorization   ${server.authorization === 'rbac' ? 'RBAC (admins are root users)' : 'admin list'}${server.dbUsers ? ', database users on (/v1/users/db)' : ''}`,
    `Anonymous       ${server.anonymousAccess ? (server.authorization === 'rbac' ? 'on (no permissions under RBAC)' : 'on (read-only)') : 'off'}`,
    '',
    'Ctrl+C to stop.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `weaviate-auth-server: ${(error as Error).message}\nRun with --help for the options.\n`,
    );
    process.exitCode = 2;
    return;
  }
  if (!parsed) {
    process.stdout.write(`${HELP}\n`);
    return;
  }

  // Handlers first, so an interrupt during start-up still closes the server once it is up.
  let stopping: string | undefined;
  let server: WeaviateServer | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    if (!server) return;
    if (!parsed.json) process.stdout.write(`\n${signal}: stopping.\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  server = await startWeaviateServer(parsed.options);
  if (parsed.json) process.stdout.write(`${JSON.stringify(describe(server))}\n`);
  else print(server);
  if (stopping) {
    const signal = stopping;
    stopping = undefined;
    stop(signal);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`weaviate-auth-server: ${(error as Error)?.message ?? String(error)}\n`);
  process.exitCode = 1;
});
