-- acquire: a waiter's fallback re-check of the ticket it queued: keeps its place and serves the
-- head if slots are free; finds its grant if the hand-off message was missed; re-enqueues a
-- ticket that vanished (dropped with a dead client's heartbeat, or lost data).
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients
-- ARGV[1] caller (see pool_state)  ARGV[2] lease id  ARGV[3] ticket
-- ARGV[4] grant channel prefix  ARGV[5] check receivers '1'|'0'
-- ARGV[6] client id  ARGV[7] client heartbeat ttl ms
-- Returns {1, leaseId, expiryMs, nowMs, live, limit, 'epoch:gen'}  granted
--         {2, position, nowMs, live, limit, 'epoch:gen'}           queued
local now_ms, now_us = now_of()
local limit, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local live = live_of(KEYS[1], now_ms)
local ticket = ARGV[3]

local rank = redis.call('ZRANK', KEYS[2], ticket)
if rank then
  if live < grantable then
    local granted, lease, exp = drain(KEYS[1], KEYS[2], ARGV[4], ARGV[5], now_ms, grantable - live, ticket, nil)
    live = live + granted
    if lease then
      return {1, lease, exp, now_ms, live, limit, gen_of(st)}
    end
    rank = redis.call('ZRANK', KEYS[2], ticket)
  end
  if rank then
    return {2, rank + 1, now_ms, live, limit, gen_of(st)}
  end
end
-- Neither queued nor (so far) granted: a missed publish, a dropped ticket or lost data.
redis.call('ZADD', KEYS[3], now_ms + tonumber(ARGV[7]), ARGV[6])
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if score and tonumber(score) > now_ms then
  return {1, ARGV[2], tonumber(score), now_ms, live, limit, gen_of(st)}
end
if CLASSES then
  -- Classes: queue it, and let drain decide by class whether it goes first.
  enqueue(KEYS[2], {ticket}, now_us)
  if live < grantable then
    local granted, lease, exp = drain(KEYS[1], KEYS[2], ARGV[4], ARGV[5], now_ms, grantable - live, ticket, nil)
    if lease then
      return {1, lease, exp, now_ms, live + granted, limit, gen_of(st)}
    end
    live = live + granted
  end
  local rank = redis.call('ZRANK', KEYS[2], ticket)
  return {2, rank and rank + 1 or 0, now_ms, live, limit, gen_of(st)}
end
if live < grantable and redis.call('ZCARD', KEYS[2]) == 0 then
  local _, lease_ttl = parse_ticket(ticket)
  local exp = now_ms + lease_ttl
  add_grants(KEYS[1], {exp, ARGV[2]})
  return {1, ARGV[2], exp, now_ms, live + 1, limit, gen_of(st)}
end
enqueue(KEYS[2], {ticket}, now_us)
return {2, 0, now_ms, live, limit, gen_of(st)}
