-- Helpers shared by the slot scripts: SlotScripts prepends this file to each of them at load
-- time, so each script stays one atomic EVALSHA. Not a script on its own.
--
-- Members:  ticket = owner|clientId|n|ttlMs          (queue ZSET, score = arrival in µs)
--           lease  = owner|clientId|n|grantedAtMs    (leases ZSET, score = expiry in ms)
-- The owner may contain '|'; the three fields after it never do.

-- Numbers always leave Lua as integers: tostring would print large ones in exponent form.
local function fmt(x)
  return string.format('%.0f', x)
end

-- Redis time, the only clock the pool trusts. Returns milliseconds and microseconds.
local function now_of()
  local t = redis.call('TIME')
  local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
  return math.floor(us / 1000), us
end

-- Placeholder leases written when a pool that clients knew turns up empty (Redis lost its data).
local FENCE_OWNER = '(fence after data loss)'

-- The live limit; set from the client's configured value on first use and after data loss.
-- initial is 'limit', or 'limit:ttlMs' from a client that has seen this pool before. A missing
-- limit key then means Redis lost the pool: its leases are gone, but queries of holders that
-- died meanwhile may still be running. So the pool is fenced: 'limit' placeholder leases that
-- expire one lease TTL from now, by when every lease granted before the loss has expired too.
-- Live holders swap a placeholder for their own lease when they renew (renew.lua); new grants
-- wait until the placeholders are gone. KEYS[2] is the leases ZSET in every script.
local function limit_of(key, initial)
  local v = redis.call('GET', key)
  if v then
    return tonumber(v)
  end
  local limit, ttl = string.match(initial, '^(%d+):(%d+)$')
  if limit == nil then
    limit = initial
  else
    local t = redis.call('TIME')
    local now_ms = math.floor((tonumber(t[1]) * 1000000 + tonumber(t[2])) / 1000)
    local fence = {}
    for i = 1, tonumber(limit) do
      fence[#fence + 1] = now_ms + tonumber(ttl)
      fence[#fence + 1] = FENCE_OWNER .. '|fence|' .. i .. '|' .. fmt(now_ms)
    end
    redis.call('ZADD', KEYS[2], unpack(fence))
  end
  redis.call('SET', key, limit)
  return tonumber(limit)
end

-- A live fence placeholder, or nil.
local function fence_member(leases, now_ms)
  local pattern = string.gsub(FENCE_OWNER, '[%*%?%[%]\\%(%)]', '\\%0') .. '|fence|*'
  local cursor = '0'
  repeat
    local page = redis.call('ZSCAN', leases, cursor, 'MATCH', pattern, 'COUNT', 500)
    cursor = page[1]
    local items = page[2]
    for i = 1, #items, 2 do
      if tonumber(items[i + 1]) > now_ms then
        return items[i]
      end
    end
  until cursor == '0'
  return nil
end

-- ticket -> lease base (owner|clientId|n), client id, lease ttl ms
local function parse_ticket(ticket)
  local base, ttl = string.match(ticket, '^(.*)|([^|]*)$')
  local client = string.match(base, '|([^|]*)|[^|]*$')
  return base, client, tonumber(ttl)
end

-- Hands free slots to the queue's head tickets, oldest first, skipping tickets whose client
-- stopped heart-beating or (when check_receivers is '1') has no subscriber on its grant
-- channel. Each grant is published on that client's channel as "expiryMs|leaseId", except the
-- caller's own ticket (self), which is returned instead. head: an already popped
-- {member, score} to start with, or nil; it goes back to the queue when there is no room.
-- Returns granted count, self lease id or nil, self expiry or nil.
local function drain(leases, queue, clients, prefix, check_receivers, now_ms, free, self, head)
  local granted, self_lease, self_exp = 0, nil, nil
  while free > 0 do
    if head == nil then
      head = redis.call('ZPOPMIN', queue)
      if #head == 0 then
        head = nil
        break
      end
    end
    local ticket = head[1]
    head = nil
    local base, client, ttl = parse_ticket(ticket)
    local lease = base .. '|' .. fmt(now_ms)
    local exp = now_ms + ttl
    if ticket == self then
      redis.call('ZADD', leases, exp, lease)
      self_lease, self_exp = lease, exp
      free, granted = free - 1, granted + 1
    else
      local alive = redis.call('ZSCORE', clients, client)
      if alive and tonumber(alive) > now_ms then
        redis.call('ZADD', leases, exp, lease)
        local receivers = redis.call('PUBLISH', prefix .. client, fmt(exp) .. '|' .. lease)
        if receivers == 0 and check_receivers == '1' then
          -- Nobody listens for it: the client died (or is reconnecting and will re-enqueue).
          redis.call('ZREM', leases, lease)
        else
          free, granted = free - 1, granted + 1
        end
      end
    end
  end
  if head ~= nil then
    redis.call('ZADD', queue, head[2], head[1])
  end
  return granted, self_lease, self_exp
end

-- A lease of this base that exists and is live, as {id, expiryMs}, or nil. Only used when a
-- waiter's ticket has vanished, to find a grant whose publish it missed.
local function find_lease(leases, base, now_ms)
  local pattern = string.gsub(base, '[%*%?%[%]\\]', '\\%0') .. '|*'
  local cursor = '0'
  repeat
    local page = redis.call('ZSCAN', leases, cursor, 'MATCH', pattern, 'COUNT', 200)
    cursor = page[1]
    local items = page[2]
    for i = 1, #items, 2 do
      if tonumber(items[i + 1]) > now_ms then
        return {items[i], tonumber(items[i + 1])}
      end
    end
  until cursor == '0'
  return nil
end

