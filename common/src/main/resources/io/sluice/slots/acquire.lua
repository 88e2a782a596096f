-- acquire: grant a slot now, or queue a FIFO ticket, or (try-once) refuse.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue  KEYS[4] clients
-- ARGV[1] initial limit       ARGV[2] lease base owner|clientId|n   ARGV[3] lease ttl ms
-- ARGV[4] ticket owner|clientId|n|ttlMs, or '' to try once without queueing
-- ARGV[5] grant channel prefix  ARGV[6] check receivers '1'|'0'
-- ARGV[7] client id           ARGV[8] client heartbeat ttl ms
-- ARGV[9] '1' when this is a waiter's fallback re-check of a ticket it queued before, else '0'
-- Returns {1, leaseId, expiryMs, nowMs, live, limit}  granted
--         {2, position, nowMs, live, limit}           queued (position 0 = not computed)
--         {0, waiting, nowMs, live, limit}            refused (try once)
local now_ms, now_us = now_of()
local limit = limit_of(KEYS[1], ARGV[1])
local live = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now_ms), '+inf')
local ticket = ARGV[4]

if ARGV[9] == '1' then
  local rank = redis.call('ZRANK', KEYS[3], ticket)
  if rank then
    -- A waiter's fallback timer: keep its place; serve the head if slots are free.
    if live < limit then
      local granted, lease, exp = drain(KEYS[2], KEYS[3], KEYS[4], ARGV[5], ARGV[6], now_ms, limit - live, ticket, nil)
      live = live + granted
      if lease then
        return {1, lease, exp, now_ms, live, limit}
      end
      rank = redis.call('ZRANK', KEYS[3], ticket)
    end
    return {2, rank + 1, now_ms, live, limit}
  end
  -- Neither queued nor (so far) granted: a missed publish, a dropped ticket or lost data.
  redis.call('ZADD', KEYS[4], now_ms + tonumber(ARGV[8]), ARGV[7])
  local found = find_lease(KEYS[2], ARGV[2], now_ms)
  if found then
    return {1, found[1], found[2], now_ms, live, limit}
  end
end

if live < limit then
  local waiting = redis.call('ZCARD', KEYS[3])
  if waiting > 0 then
    -- Earlier arrivals first; whatever is left after them is ours.
    live = live + drain(KEYS[2], KEYS[3], KEYS[4], ARGV[5], ARGV[6], now_ms, limit - live, nil, nil)
  end
  if live < limit then
    local lease = ARGV[2] .. '|' .. fmt(now_ms)
    local exp = now_ms + tonumber(ARGV[3])
    redis.call('ZADD', KEYS[2], exp, lease)
    return {1, lease, exp, now_ms, live + 1, limit}
  end
end

if ticket == '' then
  return {0, redis.call('ZCARD', KEYS[3]), now_ms, live, limit}
end
redis.call('ZADD', KEYS[3], now_us, ticket)
return {2, 0, now_ms, live, limit}
