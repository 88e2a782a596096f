-- reap: delete expired leases and dead clients now, then hand freed slots to waiters.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue  KEYS[4] clients
-- ARGV[1] initial limit  ARGV[2] grant channel prefix  ARGV[3] check receivers '1'|'0'
-- Returns {reaped leases, handed off count}
local now_ms = now_of()
local reaped = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now_ms))
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now_ms))
local limit = limit_of(KEYS[1], ARGV[1])
local live = redis.call('ZCARD', KEYS[2])
local granted = 0
if live < limit then
  granted = drain(KEYS[2], KEYS[3], KEYS[4], ARGV[2], ARGV[3], now_ms, limit - live, nil, nil)
end
return {reaped, granted}
