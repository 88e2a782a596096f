-- release: drop a lease and hand the freed slot straight to the oldest live waiter.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients  KEYS[4] abandoned (only when releasing a retiring lease: drops its mark)
-- ARGV[1] lease id  ARGV[2] caller (see pool_state)  ARGV[3] grant channel prefix  ARGV[4] check receivers '1'|'0'
-- Returns {removed 0|1, handed off count, 'epoch:gen'}
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if KEYS[4] then
  redis.call('ZREM', KEYS[4], ARGV[1])
end
local head = redis.call('ZPOPMIN', KEYS[2])
if #head == 0 then
  local got = redis.call('ZMSCORE', KEYS[1], gen_members(ARGV[2]))
  return {removed, 0, gen_seen(ARGV[2], got[1], got[2])}
end
local now_ms, now_us = now_of()
local _, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[2])
local live = live_of(KEYS[1], now_ms)
if live >= grantable then
  redis.call('ZADD', KEYS[2], head[2], head[1])
  return {removed, 0, gen_of(st)}
end
local granted = drain(KEYS[1], KEYS[2], ARGV[3], ARGV[4], now_ms, grantable - live, nil, head)
return {removed, granted, gen_of(st)}
