-- set_limit: change the live limit. Lowering revokes nothing; raising wakes waiters at once
-- (unless the pool is fenced). On a pool whose state is missing it fences first (pool_state).
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients
-- ARGV[1] new limit  ARGV[2] grant channel prefix  ARGV[3] check receivers '1'|'0'  ARGV[4] caller
-- Returns {previous limit, live, handed off count, 'epoch:gen'}
local now_ms, now_us = now_of()
local previous, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[4])
local limit = tonumber(ARGV[1])
set_state(KEYS[1], st, 'limit', limit)
CLASSES = classes_of(st.decl, limit)   -- the classes' seats move with the limit
local live = live_of(KEYS[1], now_ms)
local granted = 0
if grantable > 0 and live < limit then
  granted = drain(KEYS[1], KEYS[2], ARGV[2], ARGV[3], now_ms, limit - live, nil, nil)
end
return {previous, live + granted, granted, gen_of(st)}
