export type {
  ApiKeys,
  ClientCredentialsPair,
  Clients,
  UserCredentials,
  Users,
} from './accounts.js';
export type { SignInOptions } from './browser-sign-in.js';
export type { DeviceAuthorization, DeviceFlow } from './device-flow.js';
export type { Faults, MalformedKind } from './faults.js';
export { type GlewlwydOptions, type GlewlwydServer, glewlwydInstalled, startGlewlwyd } from './glewlwyd.js';
export type {
  ApiKeyOption,
  AuthorizationMode,
  ClientOption,
  Role,
  UserOption,
  WeaviateServerOptions,
} from './options.js';
export {
  type ProviderProfile,
  type ProviderProfileInfo,
  providerProfiles,
} from './profiles.js';
export { type RecordedRequest, type RecordingServer, startRecordingServer } from './recording-server.js';
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js';
export type { RedisAddress } from './redis-node.js';
export {
  type RedisSentinelOptions,
  type RedisSentinelSetup,
  startRedisSentinel,
} from './redis-sentinel.js';
export { type RedisServer, startRedisServer } from './redis-server.js';
export {
  type IssuedTokens,
  type IssueTokensOptions,
  startWeaviateServer,
  type WeaviateServer,
} from './server.js';
export type { RequestCounts, ServerStats, TokenRequestCounts } from './stats.js';
