-- Classes of a declared pool: SlotScripts appends this file to common.lua (it assigns common.lua's forward
-- declarations classes_of and class_drain) before each script, so each script stays one atomic EVALSHA.
-- Not a script on its own.

-- ---- Classes (docs/SLOTS.md, "Declared pools and classes") ----------------------------------
-- A pool declared with two or more classes divides its live limit between them. A lease's or ticket's
-- class is the owner's prefix '@NAME/' (none, or a name not declared: the first class). Per class, of
-- the live limit L and the declared limit D: nominal = floor(seats * L / D), guaranteed = nominal -
-- floor(nominal * lendable% / 100), cap = nominal + floor(nominal * borrow% / 100) (no borrow limit: L).
-- Each free seat goes to the class whose oldest waiter ranks best, FIFO within a class and, on a tie of
-- tiers, across classes: 1 = under its guaranteed seats, 2 = under its nominal seats, 3 = borrowing (under
-- its cap); a class at its cap waits. Every seat is lent while its owner has nobody waiting, and comes
-- back to it at the next release (tier 1 and 2 come first); nothing is revoked. The cap on the pool is
-- unchanged: grants never exceed the free seats, whatever the classes.
-- CLASSES (declared in common.lua above pool_state, which sets it): nil for a pool of fewer than two classes (one FIFO
-- queue, the paths above unchanged).
classes_of = function(decl, limit)
  if decl == nil or not string.find(decl, ';class=', 1, true) then
    return nil
  end
  local declared = tonumber(string.match(decl, '^limit=(%d+)'))
  local list, by = {}, {}
  for name, share, pct, lend, borrow in string.gmatch(decl, ';class=([^,;]+),(%d+)(%%?),(%d+),(%-?%d+)') do
    local seats = tonumber(share)
    if pct == '%' then
      seats = math.max(1, math.floor(declared * seats / 100))
    end
    local nominal = math.floor(seats * limit / declared)
    local cap = limit
    if tonumber(borrow) >= 0 then
      cap = nominal + math.floor(nominal * tonumber(borrow) / 100)
    end
    local c = {name = name, nominal = nominal, guaranteed = nominal - math.floor(nominal * tonumber(lend) / 100), cap = cap,
               used = 0}
    list[#list + 1] = c
    by[name] = c
  end
  if #list < 2 then
    return nil
  end
  return {list = list, by = by}
end

-- Whether a caller's declaration has classes: acquire_many then skips its queue-only fast path (a free
-- seat may be barred to the waiters but open to an arrival of another class).
local function caller_has_classes(caller)
  local decl = parse_caller(caller).decl
  local _, n = string.gsub(decl, ';class=', '')
  return n >= 2
end

local function class_of(member)
  local name = string.match(member, '^@([^/|]+)/')
  return (name and CLASSES.by[name]) or CLASSES.list[1]
end

-- Live leases per class (c.used).
local function count_classes(leases, now_ms)
  for _, c in ipairs(CLASSES.list) do
    c.used = 0
  end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', leases, '(' .. fmt(now_ms), '+inf')) do
    local c = class_of(m)
    c.used = c.used + 1
  end
end

local function tier_of(c)
  if c.used < c.guaranteed then
    return 1
  elseif c.used < c.nominal then
    return 2
  elseif c.used < c.cap then
    return 3
  end
  return nil
end

-- drain for a pool with classes: as drain, but each seat goes to the best-ranked class' oldest ticket.
class_drain = function(leases, queue, prefix, check_receivers, now_ms, free, self, head)
  if head ~= nil then
    redis.call('ZADD', queue, head[2], head[1])
  end
  count_classes(leases, now_ms)
  local waiting = {}
  for _, c in ipairs(CLASSES.list) do
    waiting[c] = {}
  end
  for pos, t in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
    local w = waiting[class_of(t)]
    w[#w + 1] = {t, pos}
  end
  local next_of = {}
  local granted, self_lease, self_exp = 0, nil, nil
  while free > 0 do
    local best, best_tier, best_pos = nil, 4, nil
    for _, c in ipairs(CLASSES.list) do
      local w = waiting[c][next_of[c] or 1]
      local t = w and tier_of(c)
      if t and (t < best_tier or (t == best_tier and w[2] < best_pos)) then
        best, best_tier, best_pos = c, t, w[2]
      end
    end
    if best == nil then
      break
    end
    local ticket = waiting[best][next_of[best] or 1][1]
    next_of[best] = (next_of[best] or 1) + 1
    redis.call('ZREM', queue, ticket)
    local lease, client, ttl = parse_ticket(ticket)
    local exp = now_ms + ttl
    add_grants(leases, {exp, lease})
    local taken = true
    if ticket == self then
      self_lease, self_exp = lease, exp
    else
      local receivers = redis.call(PUBLISH, prefix .. client, fmt(exp) .. '|' .. lease)
      if receivers == 0 and check_receivers == '1' then
        redis.call('ZREM', leases, lease)   -- nobody listens (see drain)
        taken = false
      end
    end
    if taken then
      free, granted = free - 1, granted + 1
      best.used = best.used + 1
    end
  end
  return granted, self_lease, self_exp
end

-- Whether a new arrival (lease id) may take a free seat beside waiters that drain left waiting: its class
-- is under its cap. Counts the seat when it may.
local function class_admits(id)
  local c = class_of(id)
  if c.used < c.cap then
    c.used = c.used + 1
    return true
  end
  return false
end

-- The heartbeat's per-class figures (the sluice_slots_class_* gauges): {name, nominal, guaranteed, used,
-- waiting, ...} in declaration order; {} for a pool of fewer than two classes. Read once per heartbeat, never
-- on a grant's path.
local function class_figures(leases, queue, now_ms)
  if CLASSES == nil then
    return {}
  end
  count_classes(leases, now_ms)
  local waiting = {}
  for _, t in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
    local c = class_of(t)
    waiting[c] = (waiting[c] or 0) + 1
  end
  local out = {}
  for _, c in ipairs(CLASSES.list) do
    out[#out + 1] = c.name
    out[#out + 1] = c.nominal
    out[#out + 1] = c.guaranteed
    out[#out + 1] = c.used
    out[#out + 1] = waiting[c] or 0
  end
  return out
end
-- ----------------------------------------------------------------------------------------------
