import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { embeddedTarget, runAll, summarize } from './demo.js';
import type { Row } from './scenario.js';

let server: WeaviateServer;
let rows: Row[];

beforeAll(async () => {
  server = await startWeaviateServer({ accessTokenTtl: 2 });
  rows = await runAll(embeddedTarget(server, 2.5));
}, 60_000);

afterAll(() => server?.close());

it('runs every adapter with every credential kind, and every row passes', () => {
  expect(rows).toHaveLength(24);
  expect(rows.filter((row) => row.outcome !== 'passed')).toEqual([]);
  expect(summarize(rows)).toEqual({ passed: 24, failed: 0, skipped: 0, total: 24 });
});

it('shows the read-only key rejected with 403 on writes', () => {
  const readOnly = rows.filter((row) => row.credential === 'read-only API key');
  expect(readOnly).toHaveLength(4);
  for (const row of readOnly) expect(row.detail).toContain('403');
});

it('reads with the read-only key and writes with the admin key in the read + write keys row', () => {
  const leastPrivilege = rows.filter((row) => row.credential === 'read + write keys');
  expect(leastPrivilege).toHaveLength(4);
  // The server's word: own-info for the reads, its 403 for the read-only key's write.
  for (const row of leastPrivilege) {
    expect(row.detail).toBe(
      '3 objects written, listed, counted by GraphQL; reads as reader (read-only key), writes with the admin key (read-only key alone: 403)',
    );
  }
});

it('refreshes the token in every OIDC scenario', () => {
  const apiKeyKinds: readonly string[] = ['admin API key', 'read-only API key', 'read + write keys'];
  for (const row of rows.filter((row) => !apiKeyKinds.includes(row.credential))) {
    expect(row.tokens, `${row.adapter} / ${row.credential}`).toBeGreaterThanOrEqual(
      row.credential === 'bearer + refresh' ? 1 : 2,
    );
  }
  // Password and bearer scenarios refresh with their refresh token; client credentials run their grant again.
  expect(server.stats.tokenRequests.refresh_token).toBeGreaterThanOrEqual(8);
  expect(server.stats.tokenRequests.client_credentials).toBeGreaterThanOrEqual(8);
  // One password grant per password scenario, one per bearer scenario's issueTokens(); never the password again.
  expect(server.stats.tokenRequests.password).toBe(8);
});

it('puts no secret in any row', () => {
  const output = JSON.stringify(rows);
  for (const secret of [
    server.keys.admin,
    server.keys.readOnly,
    server.users.admin.password,
    server.clients.service.clientSecret,
  ]) {
    expect(output).not.toContain(secret);
  }
});
