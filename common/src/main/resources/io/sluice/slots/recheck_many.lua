-- recheck_many: one client's fallback re-check of all its queued tickets, one call per
-- slots.fallback-wake however many tickets it waits with (so Redis load grows with clients, not
-- with waiters). Serves free slots to the queue's head, says alive for the client, finds grants
-- whose hand-off message was missed, and puts tickets that vanished (lost data, a dropped dead
-- client's ticket) back at the tail.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients
-- ARGV[1] caller (see pool_state)  ARGV[2] grant channel prefix  ARGV[3] check receivers '1'|'0'
-- ARGV[4] client id  ARGV[5] client heartbeat ttl ms
-- ARGV[6], ARGV[7], ...: pairs of lease id and ticket
-- Returns {nowMs, live, limit, r1, r2, ..., 'epoch:gen'}; per pair: the lease's expiry (> 0: it
-- was granted and the message missed), 0 (still queued) or -1 (was gone, queued again at the tail)
local now_ms, now_us = now_of()
redis.call('ZADD', KEYS[3], now_ms + tonumber(ARGV[5]), ARGV[4])
local limit, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local live = live_of(KEYS[1], now_ms)
if live < grantable and redis.call('ZCARD', KEYS[2]) > 0 then
  live = live + drain(KEYS[1], KEYS[2], ARGV[2], ARGV[3], now_ms, grantable - live, nil, nil)
end
local ids, tickets = {}, {}
for i = 6, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  tickets[#tickets + 1] = ARGV[i + 1]
end
local granted = redis.call('ZMSCORE', KEYS[1], unpack(ids))
local queued = redis.call('ZMSCORE', KEYS[2], unpack(tickets))
local out = {now_ms, live, limit}
local lost = {}
for i = 1, #ids do
  if granted[i] and tonumber(granted[i]) > now_ms then
    out[#out + 1] = tonumber(granted[i])
  elseif queued[i] then
    out[#out + 1] = 0
  else
    lost[#lost + 1] = tickets[i]
    out[#out + 1] = -1
  end
end
if #lost > 0 then
  enqueue(KEYS[2], lost, now_us)
end
out[#out + 1] = gen_of(st)
return out
