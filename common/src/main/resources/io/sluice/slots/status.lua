-- status: a read-only snapshot of the pool.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue
-- ARGV[1] initial limit (reported when the limit key does not exist yet)
-- Returns {limit, nowMs, waiting, {leaseId, expiryMs, leaseId, expiryMs, ...}}
local now_ms = now_of()
local limit = redis.call('GET', KEYS[1])
local leases = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. fmt(now_ms), '+inf', 'WITHSCORES')
return {limit and tonumber(limit) or tonumber(ARGV[1]), now_ms, redis.call('ZCARD', KEYS[3]), leases}
