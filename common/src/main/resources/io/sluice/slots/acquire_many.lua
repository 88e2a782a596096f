-- acquire_many: first arrivals from one client, batched while its previous batch was in flight.
-- Each is granted while the pool has room, is not fenced and nobody waits, else queued (or,
-- try-once, refused). Arrivals in one batch keep their order in the queue. Idempotent: an
-- arrival whose lease id is already live (this batch was re-sent after a reconnect, or its reply
-- timed out and the caller asks again) gets that lease back, renewed, and a queued ticket keeps
-- its place.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients
-- ARGV[1] caller (see pool_state)  ARGV[2] lease ttl ms  ARGV[3] grant channel prefix  ARGV[4] check receivers '1'|'0'
-- ARGV[5], ARGV[6], ...: pairs of lease id (owner|clientId|n|t0) and ticket ('' = try once)
-- Returns {nowMs, live, limit, r1, r2, ..., 'epoch:gen'}; per arrival: a lease id (granted, expiry =
-- nowMs + lease ttl), 0 (queued), or k > 0 (try-once refused; k - 1 waiters were ahead).
-- Fast path: {-1, -1, -1, 0, 0, ..., 'epoch:gen' or ''} (all queued; no clock, figures or state read:
-- the generation comes from the ZMSCORE the path makes anyway, see gen_seen).

-- Others already wait, and no arrival of this batch is try-once or was granted by an earlier run
-- of this request: the batch can only queue behind them. Queuing grants nothing, so it needs
-- neither Redis time nor the pool's state: whatever call grants next reads and checks both (a
-- fenced or rolled-back pool is found there). Free slots beside the queue (an expiry, a dead
-- client's ticket at the head) are served by the next release, heartbeat or re-check.
-- Three commands instead of seven, the shape of a fleet whose pods queue behind each other.
local tail = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #tail > 0 and not caller_has_classes(ARGV[1]) then
  local ids, tickets = {}, {}
  for i = 5, #ARGV, 2 do
    if ARGV[i + 1] == '' then
      ids = nil
      break
    end
    ids[#ids + 1] = ARGV[i]
    tickets[#tickets + 1] = ARGV[i + 1]
  end
  if ids then
    local prior = false
    local n = #ids
    ids[n + 1], ids[n + 2] = gen_members(ARGV[1])
    local scores = redis.call('ZMSCORE', KEYS[1], unpack(ids))
    for i = 1, n do
      prior = prior or scores[i] ~= false
    end
    if not prior then
      enqueue(KEYS[2], tickets, 0, tail) -- after the tail (scores order, they are not read as time)
      local out = {-1, -1, -1}
      for _ = 1, #tickets do
        out[#out + 1] = 0
      end
      out[#out + 1] = gen_seen(ARGV[1], scores[n + 1], scores[n + 2])
      return out
    end
  end
end

local now_ms, now_us = now_of()
local limit, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local live = live_of(KEYS[1], now_ms)
local empty = false
if live < grantable then
  local waiting = redis.call('ZCARD', KEYS[2])
  if waiting > 0 then
    live = live + drain(KEYS[1], KEYS[2], ARGV[3], ARGV[4], now_ms, grantable - live, nil, nil)
  end
  -- drain stops when the queue is empty or the slots are gone
  empty = live < grantable
end

local ids = {}
for i = 5, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
end
local known = redis.call('ZMSCORE', KEYS[1], unpack(ids))
if CLASSES and empty then
  count_classes(KEYS[1], now_ms)   -- waiters left by drain are at their class' cap; an arrival may still fit
end

local out = {now_ms, 0, limit}
local leases, tickets = {}, {}
local exp = now_ms + tonumber(ARGV[2])
local waiting = nil
for i = 5, #ARGV, 2 do
  local id, ticket = ARGV[i], ARGV[i + 1]
  local prior = known[(i - 3) / 2]
  if prior and tonumber(prior) > now_ms then
    -- Granted by an earlier run of this request: the same lease, renewed.
    leases[#leases + 1] = exp
    leases[#leases + 1] = id
    out[#out + 1] = id
  elseif empty and live < grantable and #tickets == 0 and (CLASSES == nil or class_admits(id)) then
    leases[#leases + 1] = exp
    leases[#leases + 1] = id
    live = live + 1
    out[#out + 1] = id
  elseif ticket == '' then
    if waiting == nil then
      waiting = redis.call('ZCARD', KEYS[2])
    end
    out[#out + 1] = waiting + #tickets + 1
  else
    tickets[#tickets + 1] = ticket
    out[#out + 1] = 0
  end
end
if #leases > 0 then
  add_grants(KEYS[1], leases)
end
if #tickets > 0 then
  enqueue(KEYS[2], tickets, now_us, tail)   -- NX: a re-sent ticket keeps its place; drain only pops the head, so tail stands
end
out[2] = live
out[#out + 1] = gen_of(st)
return out
