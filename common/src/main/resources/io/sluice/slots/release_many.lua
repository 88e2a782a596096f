-- release_many: drop leases (one client's releases, batched while its previous batch was in
-- flight) and hand the freed slots straight to the oldest waiters, one PUBLISH per client.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients (not read: dead clients' tickets are purged with their entry)
-- ARGV[1] caller (see pool_state)  ARGV[2] grant channel prefix  ARGV[3] check receivers '1'|'0'
-- ARGV[4], ARGV[5], ...: lease ids
-- Returns {removed, handed off, 'epoch:gen'}. A grant message is one or more lines "expiryMs|leaseId".
local removed = redis.call('ZREM', KEYS[1], unpack(ARGV, 4))
local heads = redis.call('ZPOPMIN', KEYS[2], #ARGV - 3)
if #heads == 0 then
  -- Nobody waits: no state read, one ZMSCORE so that the caller still learns the generation.
  local got = redis.call('ZMSCORE', KEYS[1], gen_members(ARGV[1]))
  return {removed, 0, gen_seen(ARGV[1], got[1], got[2])}
end
local now_ms, now_us = now_of()
local _, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local free = grantable - live_of(KEYS[1], now_ms)
local granted = 0
if CLASSES then
  -- Classes: the popped heads go back, and drain picks by class (see classes.lua).
  local back = {}
  for i = 1, #heads, 2 do
    back[#back + 1] = heads[i + 1]
    back[#back + 1] = heads[i]
  end
  redis.call('ZADD', KEYS[2], unpack(back))
  if free > 0 then
    granted = drain(KEYS[1], KEYS[2], ARGV[2], ARGV[3], now_ms, free, nil, nil)
  end
  return {removed, granted, gen_of(st)}
end
while #heads > 0 do
  -- Tickets beyond the free slots go back, keeping their scores.
  local keep = math.max(0, math.min(free, math.floor(#heads / 2)))
  if keep * 2 < #heads then
    local back = {}
    for i = keep * 2 + 1, #heads, 2 do
      back[#back + 1] = heads[i + 1]
      back[#back + 1] = heads[i]
    end
    redis.call('ZADD', KEYS[2], unpack(back))
  end
  if keep == 0 then
    break
  end
  -- No liveness check here: dead clients' tickets are purged with their entry (purge_dead).
  local leases, messages, order, got = {}, {}, {}, 0
  for i = 1, keep * 2, 2 do
    local lease, client, ttl = parse_ticket(heads[i])
    local exp = now_ms + ttl
    leases[#leases + 1] = exp
    leases[#leases + 1] = lease
    if messages[client] == nil then
      messages[client] = {}
      order[#order + 1] = client
    end
    local lines = messages[client]
    lines[#lines + 1] = fmt(exp) .. '|' .. lease
  end
  add_grants(KEYS[1], leases)
  for _, client in ipairs(order) do
    local lines = messages[client]
    local receivers = redis.call(PUBLISH, ARGV[2] .. client, table.concat(lines, '\n'))
    if receivers == 0 and ARGV[3] == '1' then
      -- Nobody listens: that client died (or is reconnecting and will re-enqueue). Undo.
      local undo = {}
      for _, line in ipairs(lines) do
        undo[#undo + 1] = string.match(line, '^[^|]*|(.*)$')
      end
      redis.call('ZREM', KEYS[1], unpack(undo))
    else
      got = got + #lines
    end
  end
  -- Room left: more free slots than released ones, or grants nobody listened for were undone.
  granted = granted + got
  free = free - got
  if free <= 0 then
    break
  end
  heads = redis.call('ZPOPMIN', KEYS[2], free)
end
return {removed, granted, gen_of(st)}
