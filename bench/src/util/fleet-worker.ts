// One member of the fleet storm (src/sections/fleet-storm.ts): @auth/test-utils' fleet worker with
// @auth/redis-store. Bundled with esbuild, then forked.
import { redisStore } from '@auth/redis-store';
import { serveFleetWorker } from '@auth/test-utils/fleet-worker';

serveFleetWorker(redisStore);
