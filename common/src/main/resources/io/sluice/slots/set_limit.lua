-- set_limit: change the live limit. Lowering revokes nothing; raising wakes waiters at once.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue  KEYS[4] clients
-- ARGV[1] new limit  ARGV[2] grant channel prefix  ARGV[3] check receivers '1'|'0'
-- Returns {previous limit or -1, live, handed off count}
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
local now_ms = now_of()
local limit = tonumber(ARGV[1])
local live = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now_ms), '+inf')
local granted = 0
if live < limit then
  granted = drain(KEYS[2], KEYS[3], KEYS[4], ARGV[2], ARGV[3], now_ms, limit - live, nil, nil)
end
return {previous and tonumber(previous) or -1, live + granted, granted}
