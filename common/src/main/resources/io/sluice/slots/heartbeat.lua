-- heartbeat: mark this client alive (its tickets stay valid), purge expired leases and dead
-- clients, serve waiters if slots are free, and report the pool's figures for the gauges.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue  KEYS[4] clients
-- ARGV[1] client id  ARGV[2] client ttl ms  ARGV[3] initial limit
-- ARGV[4] grant channel prefix  ARGV[5] check receivers '1'|'0'
-- Returns {limit, live, waiting, nowMs}
local now_ms = now_of()
redis.call('ZADD', KEYS[4], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now_ms))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now_ms))
local limit = limit_of(KEYS[1], ARGV[3])
local live = redis.call('ZCARD', KEYS[2])
local waiting = redis.call('ZCARD', KEYS[3])
if waiting > 0 and live < limit then
  live = live + drain(KEYS[2], KEYS[3], KEYS[4], ARGV[4], ARGV[5], now_ms, limit - live, nil, nil)
  waiting = redis.call('ZCARD', KEYS[3])
end
return {limit, live, waiting, now_ms}
