-- declare: `sluice slots create` (mode 'create') and `sluice slots apply` (mode 'apply') of one pool.
-- create refuses a pool that exists (declared, or in use from before declarations); apply writes
-- nothing when the stored declaration is the same (idempotent). Otherwise the declaration and its
-- limit become the pool's, and the live limit is set to it. A pool with no state at all is built
-- as every caller builds it (pool_state): fenced for the longest lease TTL known, unless the caller
-- was told the pool is new, because a never-used name and a pool Redis lost look the same.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients  KEYS[4] the v1 limit key
-- ARGV[1] caller (see pool_state)  ARGV[2] declaration  ARGV[3] its limit  ARGV[4] 'create' | 'apply'
-- ARGV[5] grant channel prefix  ARGV[6] check receivers '1'|'0'
-- Returns {outcome ('created' | 'configured' | 'unchanged' | 'exists'), the declaration before ('' if
--          none), 'epoch:gen' ('' when nothing was written)}
local before, epoch = '', nil
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', 0, 'BYSCORE')) do
  local k, v = string.match(m, '^|m|(%a+)|(.*)$')
  if k == 'decl' then
    before = v
  elseif k == 'epoch' then
    epoch = v
  end
end
local exists = before ~= '' or epoch ~= nil or redis.call('EXISTS', KEYS[4]) == 1
if ARGV[4] == 'create' and exists then
  return {'exists', before, ''}
end
if ARGV[4] == 'apply' and before == ARGV[2] then
  return {'unchanged', before, ''}
end
local now_ms, now_us = now_of()
DECLARING = ARGV[2]
local _, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
set_decl(KEYS[1], st, ARGV[2])
local limit = tonumber(ARGV[3])
set_state(KEYS[1], st, 'limit', limit)
CLASSES = classes_of(ARGV[2], limit)
if grantable > 0 then
  local live = live_of(KEYS[1], now_ms)
  if live < limit then
    drain(KEYS[1], KEYS[2], ARGV[5], ARGV[6], now_ms, limit - live, nil, nil)
  end
end
return {exists and 'configured' or 'created', before, gen_of(st)}
