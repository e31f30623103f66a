import { type RecordingServer, startRecordingServer } from '@auth/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Auth } from '../create-auth.js';

/**
 * A recording server for the calling test file, started before its tests, reset after each and closed at the
 * end; auth objects given to `track` are closed after each test.
 */
export function recordingHome(): { readonly server: RecordingServer; track: (auth: Auth) => Auth } {
  let server: RecordingServer | undefined;
  const auths: Auth[] = [];
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterEach(async () => {
    await Promise.all(auths.splice(0).map((auth) => auth.close()));
    server?.reset();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('recordingHome(): the server starts in beforeAll');
      return server;
    },
    track: (auth) => {
      auths.push(auth);
      return auth;
    },
  };
}
