-- acquire_many: first arrivals from one client, batched while its previous batch was in flight.
-- Each is granted while the pool has room and nobody waits, else queued (or, try-once, refused).
-- Arrivals in one batch keep their order in the queue.
-- KEYS[1] limit  KEYS[2] leases  KEYS[3] queue  KEYS[4] clients
-- ARGV[1] initial limit  ARGV[2] lease ttl ms  ARGV[3] grant channel prefix  ARGV[4] check receivers '1'|'0'
-- ARGV[5], ARGV[6], ...: pairs of lease base (owner|clientId|n) and ticket ('' = try once)
-- Returns {nowMs, live, limit, r1, r2, ...}; per arrival: a lease id (granted, expiry = nowMs +
-- lease ttl), 0 (queued), or k > 0 (try-once refused; k - 1 waiters were ahead)
local now_ms, now_us = now_of()
local limit = limit_of(KEYS[1], ARGV[1])
local live = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now_ms), '+inf')
local empty = false
if live < limit then
  local waiting = redis.call('ZCARD', KEYS[3])
  if waiting > 0 then
    live = live + drain(KEYS[2], KEYS[3], KEYS[4], ARGV[3], ARGV[4], now_ms, limit - live, nil, nil)
  end
  -- drain stops when the queue is empty or the slots are gone
  empty = live < limit
end

local out = {now_ms, 0, limit}
local leases, tickets = {}, {}
local exp = now_ms + tonumber(ARGV[2])
local waiting = nil
for i = 5, #ARGV, 2 do
  local base, ticket = ARGV[i], ARGV[i + 1]
  if empty and live < limit and #tickets == 0 then
    local lease = base .. '|' .. fmt(now_ms)
    leases[#leases + 1] = exp
    leases[#leases + 1] = lease
    live = live + 1
    out[#out + 1] = lease
  elseif ticket == '' then
    if waiting == nil then
      waiting = redis.call('ZCARD', KEYS[3])
    end
    out[#out + 1] = waiting + #tickets / 2 + 1
  else
    tickets[#tickets + 1] = 0
    tickets[#tickets + 1] = ticket
    out[#out + 1] = 0
  end
end
if #leases > 0 then
  redis.call('ZADD', KEYS[2], unpack(leases))
end
if #tickets > 0 then
  -- Scores strictly after the current tail keep arrival order even within one microsecond.
  local tail = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  local score = now_us
  if #tail > 0 and tonumber(tail[2]) >= score then
    score = tonumber(tail[2]) + 1
  end
  for i = 1, #tickets, 2 do
    tickets[i] = score
    score = score + 1
  end
  redis.call('ZADD', KEYS[3], unpack(tickets))
end
out[2] = live
return out
