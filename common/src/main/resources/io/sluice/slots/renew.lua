-- renew: extend a live lease. A lease that is missing, or older than its holder knows it to be
-- (its expiry went back: an older snapshot, a lagging replica, a DEL), proves the pool lost
-- state that other, dead holders' still-running queries may have needed: the pool is fenced
-- for the longest lease TTL known (pool_state). The holder's own lease is re-admitted only if
-- the pool has room; otherwise it is lost and its holder cancels its query.
-- A retiring lease (its holder stopped waiting for its query, which the downstream may still run)
-- is marked in KEYS[2] with its new expiry, for `slots status`; stale marks are dropped there.
-- Normal renewals touch nothing but the lease.
-- KEYS[1] leases  KEYS[2] abandoned (ZSET lease id -> expiry ms)
-- ARGV[1] lease id  ARGV[2] lease ttl ms  ARGV[3] caller (see pool_state)
-- ARGV[4] the expiry (Redis ms) the holder last learnt for this lease  ARGV[5] '1' retiring, else '0'
-- Returns {1, expiryMs, nowMs, 'epoch:gen'} renewed  {2, expiryMs, nowMs, 'epoch:gen'} re-admitted
--         {0, 0, nowMs, 'epoch:gen'} lost
local now_ms, now_us = now_of()
local exp = now_ms + tonumber(ARGV[2])
local known = tonumber(ARGV[4])
local function mark()
  if ARGV[5] == '1' then
    redis.call('ZADD', KEYS[2], exp, ARGV[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now_ms))
  end
end
local got = redis.call('ZMSCORE', KEYS[1], ARGV[1], gen_members(ARGV[3]))
local score = got[1]
if score and tonumber(score) > now_ms and tonumber(score) >= known then
  redis.call('ZADD', KEYS[1], 'XX', exp, ARGV[1])
  mark()
  return {1, exp, now_ms, gen_seen(ARGV[3], got[2], got[3])}
end
local limit, _, st = pool_state(KEYS[1], now_ms, now_us, ARGV[3])
if known > now_ms then
  -- The holder still had time on it, so Redis forgot it: state went back.
  fence_now(KEYS[1], st, now_ms)
end
local live = live_of(KEYS[1], now_ms)
if score and tonumber(score) > now_ms then
  live = live - 1
end
if live < limit then
  redis.call('ZADD', KEYS[1], exp, ARGV[1])
  mark()
  return {2, exp, now_ms, gen_of(st)}
end
if score then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return {0, 0, now_ms, gen_of(st)}
