-- reap: delete expired leases and dead clients (with their tickets) now, then hand freed slots to waiters.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients  KEYS[4] abandoned (expired marks are dropped)
-- ARGV[1] caller (see pool_state)  ARGV[2] grant channel prefix  ARGV[3] check receivers '1'|'0'
-- Returns {reaped leases, handed off count, 'epoch:gen'}
local now_ms, now_us = now_of()
local reaped = redis.call('ZREMRANGEBYSCORE', KEYS[1], '(0', fmt(now_ms))
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now_ms))
purge_dead(KEYS[2], KEYS[3], now_ms)
local _, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local live = live_of(KEYS[1], now_ms)
local granted = 0
if live < grantable then
  granted = drain(KEYS[1], KEYS[2], ARGV[2], ARGV[3], now_ms, grantable - live, nil, nil)
end
return {reaped, granted, gen_of(st)}
