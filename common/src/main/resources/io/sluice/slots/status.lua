-- status: a snapshot of the pool. Like every caller it fences a pool whose state is missing
-- (an operator's `sluice slots status` right after Redis lost its data must not open the pool).
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] adapt (the adaptive limit's hash, see adapt.lua; empty without it)
-- KEYS[4] abandoned (retiring leases' marks, see renew.lua)
-- ARGV[1] caller (see pool_state)
-- Returns {limit, nowMs, waiting, {leaseId, expiryMs, ...}, epoch, maxTtlMs, fenceUntilMs, 'epoch:gen',
--          {field, value, ...} of the adapt hash, live leases held for abandoned queries, declaration}
local now_ms, now_us = now_of()
local limit, _, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local leases = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. fmt(now_ms), '+inf', 'WITHSCORES')
-- A mark counts while its lease is live (a mark outlives a lease that was revoked or lost with data).
local abandoned = 0
local marked = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. fmt(now_ms), '+inf')
if #marked > 0 then
  for _, score in ipairs(redis.call('ZMSCORE', KEYS[1], unpack(marked))) do
    if score and tonumber(score) > now_ms then
      abandoned = abandoned + 1
    end
  end
end
return {limit, now_ms, redis.call('ZCARD', KEYS[2]), leases, st.epoch, tonumber(st.maxttl), tonumber(st.fence), gen_of(st),
  redis.call('HGETALL', KEYS[3]), abandoned, st.decl or ''}
