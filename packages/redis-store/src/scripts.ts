/**
 * The Lua scripts the store runs (atomic on the Redis side). KEYS of one call share a hash tag.
 */

/** KEYS[1] = lock; ARGV[1] = owner, ARGV[2] = lease (ms). Takes the lock if nobody holds it: 1, else 0. */
export const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** KEYS[1] = lock, ARGV[1] = owner. Deletes the lock only if this owner still holds it. */
export const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * KEYS[1] = lock, KEYS[2] = token; ARGV[1] = owner, ARGV[2] = the holder's token as stored ('' for none),
 * ARGV[3] = its obtainedAt, ARGV[4] = time to live (ms), ARGV[5] = 'refused' for a refused mark. If this
 * owner still holds the lock: puts the holder's token where Redis has none or an older one (or the same one,
 * for a refused mark), then deletes the lock, in one step on one node. After a failover the node that frees
 * the lock is the one the next holder reads: a token written to the old primary just before it stepped down
 * is not lost to the fleet. Returns 1 when released.
 */
export const RELEASE_WITH_TOKEN = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then
  local current = redis.call('GET', KEYS[2])
  if current and string.sub(current, 1, 2) == 'r|' then current = string.sub(current, 3) end
  local at = current and tonumber(string.match(current, '^v2|(%d+)|'))
  local mine = tonumber(ARGV[3])
  if not at or at < mine or (at == mine and ARGV[5] == 'refused') then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
  end
end
return redis.call('DEL', KEYS[1])`;

/** KEYS[1] = lock, ARGV[1] = owner, ARGV[2] = lease (ms). Extends the lock only if this owner still holds it. */
export const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * KEYS[1] = token, KEYS[2] = lock; ARGV[1] = value, ARGV[2] = its obtainedAt, ARGV[3] = owner ('' when the
 * writer holds no lock), ARGV[4] = time to live (ms), ARGV[5] = mode. Every mode writes where nothing is
 * stored. Over a stored token:
 * - `seed` (a token known up front, `ifAbsent`) never writes (SET NX): whatever is there is newer than what
 *   the process was handed at start, whatever the clocks say;
 * - the holder of the refresh lock writes;
 * - anyone else (a write-back after an outage, a holder whose lock expired) writes only over an older token
 *   (by obtainedAt), so a newer token is never replaced by an older one;
 * - `refused` (the provider refused the stored token's refresh token) also writes over the same token (same
 *   obtainedAt and access-token hash), which it only marks: nobody presents that refresh token again.
 * Returns 1 when written.
 */
export const WRITE = `local function put()
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
  return 1
end
local current = redis.call('GET', KEYS[1])
if not current then return put() end
if ARGV[5] == 'seed' then return 0 end
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then return put() end
if string.sub(current, 1, 2) == 'r|' then current = string.sub(current, 3) end
local at, hash = string.match(current, '^v2|(%d+)|%d*|(%x+)|')
if not at or tonumber(at) < tonumber(ARGV[2]) then return put() end
if ARGV[5] == 'refused' and tonumber(at) == tonumber(ARGV[2]) and hash == string.match(ARGV[1], '^v2|%d+|%d*|(%x+)|') then
  return put()
end
return 0`;

/**
 * KEYS[1] = token; ARGV[1] = the hash of the access token a server refused. Marks the stored value rejected
 * (prefix `r|`, time to live kept) only if its access token is still that one: a newer token is left alone,
 * and so is a value already marked. The refresh token in it stays usable. Returns 1 when marked.
 */
export const INVALIDATE = `local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.match(current, '^v2|%d+|%d*|(%x+)|') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'r|' .. current, 'KEEPTTL')
return 1`;

/**
 * `script` (which returns a number), made to say where it ran: returns `{result, replicas, replid}`, the
 * node's replicas in sync (`state=online`; one still loading the first copy cannot confirm a write yet) and its
 * `master_replid`, from `INFO replication` (`-1` and `''` where a script may not run INFO, e.g. an ACL without
 * `@dangerous`). What tells a write that survives a failover from one taken by a primary whose replica was
 * just promoted (see `#confirmed` in redis-store.ts).
 */
export function reporting(script: string): string {
  return `local function run()
${script}
end
local result = run()
local info = redis.pcall('INFO', 'replication')
if type(info) ~= 'string' then return {result, -1, ''} end
local _, online = string.gsub(info, 'state=online', '')
return {result, online, string.match(info, 'master_replid:(%x+)') or ''}`;
}
