-- renew: extend a live lease; re-admit a vanished or expired one only if the pool has room,
-- or in place of a fence placeholder (see limit_of in common.lua).
-- KEYS[1] limit  KEYS[2] leases
-- ARGV[1] lease id  ARGV[2] lease ttl ms  ARGV[3] initial limit ('limit' or 'limit:ttlMs', see limit_of)
-- Returns {1, expiryMs, nowMs} renewed  {2, expiryMs, nowMs} re-admitted  {0, 0, nowMs} lost
local now_ms = now_of()
local exp = now_ms + tonumber(ARGV[2])
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score and tonumber(score) > now_ms then
  redis.call('ZADD', KEYS[2], 'XX', exp, ARGV[1])
  return {1, exp, now_ms}
end
local limit = limit_of(KEYS[1], ARGV[3])
local live = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now_ms), '+inf')
if live < limit then
  redis.call('ZADD', KEYS[2], exp, ARGV[1])
  return {2, exp, now_ms}
end
-- After a data loss the pool is fenced: a live holder takes a placeholder's place.
local placeholder = fence_member(KEYS[2], now_ms)
if placeholder then
  redis.call('ZREM', KEYS[2], placeholder)
  redis.call('ZADD', KEYS[2], exp, ARGV[1])
  return {2, exp, now_ms}
end
if score then
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return {0, 0, now_ms}
