-- release: drop a lease and hand the freed slot straight to the oldest live waiter.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue  KEYS[4] clients
-- ARGV[1] lease id  ARGV[2] initial limit  ARGV[3] grant channel prefix  ARGV[4] check receivers '1'|'0'
-- Returns {removed 0|1, handed off count}
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
local head = redis.call('ZPOPMIN', KEYS[3])
if #head == 0 then
  return {removed, 0}
end
local now_ms = now_of()
local limit = limit_of(KEYS[1], ARGV[2])
local live = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now_ms), '+inf')
local granted = drain(KEYS[2], KEYS[3], KEYS[4], ARGV[3], ARGV[4], now_ms, limit - live, nil, head)
return {removed, granted}
