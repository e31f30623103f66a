// A fleet member for the multi-process tests: @auth/test-utils' fleet worker with this package's store.
import { serveFleetWorker } from '@auth/test-utils/fleet-worker';
import { redisStore } from '../redis-store.js';

serveFleetWorker(redisStore);
