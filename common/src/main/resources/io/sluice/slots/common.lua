-- Helpers shared by the slot scripts: SlotScripts prepends this file to each of them at load
-- time, so each script stays one atomic EVALSHA. Not a script on its own.
--
-- Members:  lease  = owner|clientId|n|t0          (leases ZSET, score = expiry in ms)
--           ticket = owner|clientId|n|t0|ttlMs    (queue ZSET, score = arrival in µs)
--           state  = |m|name|value                (leases ZSET, score 0; see pool_state)
-- A lease id is fixed by its request (clientId, sequence n, t0 = the client's estimate of Redis
-- time when it asked), so a re-sent acquire finds the grant it already made (idempotent grants).
-- The owner may contain '|'; the fields after it never do.

-- How grants are published: SlotScripts replaces this line with SPUBLISH on a Redis 7+ Cluster
-- (sharded pub/sub: the message stays on the pool's shard).
local PUBLISH = 'PUBLISH'

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

-- The pool's state lives in the leases ZSET itself, as score-0 members, so that it cannot
-- outlive or be lost apart from the leases it vouches for (one key: FLUSHALL, a restart, an
-- older snapshot, eviction or a DEL take both or neither):
--   |m|epoch|E     the pool's identity, new whenever the state had to be rebuilt
--   |m|born|ms     when this epoch began
--   |m|limit|n     the live limit
--   |m|maxttl|ms   the longest lease TTL any client ever registered with this pool
--   |m|fence|ms    no new grant before this Redis time
--   |m|gen         (score -G) the grant generation: +1 by every script call that grants
-- Expired-lease purges use ZREMRANGEBYSCORE '(0' now, which keeps them.
local STATE = '|m|'

local function set_state(leases, st, name, value)
  local v = fmt(value)
  if st[name] == v then
    return
  end
  if st[name] ~= nil then
    redis.call('ZREM', leases, STATE .. name .. '|' .. st[name])
  end
  redis.call('ZADD', leases, 0, STATE .. name .. '|' .. v)
  st[name] = v
end

-- The caller: 'configuredLimit:leaseTtlMs:epoch:knownMaxTtlMs:knownLimit:fresh:gen'. epoch is
-- the one it last saw ('' if none), knownMaxTtlMs, knownLimit and gen what that epoch said (0 if
-- unknown), fresh '1' only when the caller was told the pool is new (tests, `sluice local`).
-- An optional last field ':decl' carries the pool's declaration as this caller last saw it (see
-- "Declarations" below; it may contain ':', being last).
local function parse_caller(caller)
  local l, ttl, ep, kt, kl, fresh, gen, decl = string.match(caller, '^(%d+):(%d+):([^:]*):(%d+):(%d+):([01]):(%d+):?(.*)$')
  if l == nil then
    error('slot pool: malformed caller argument ' .. tostring(caller))
  end
  return {limit = tonumber(l), ttl = tonumber(ttl), epoch = ep, known_ttl = tonumber(kt),
          known_limit = tonumber(kl), fresh = fresh == '1', gen = tonumber(gen), decl = decl}
end

-- ---- Declarations ----------------------------------------------------------------------------
-- A pool is declared (`sluice slots create | apply`) before it is used. The declaration is one more
-- state member, |m|decl|<text> (limit=N[;class=name,share,lendable,borrow]...), in the leases ZSET,
-- so that it is lost with the leases and nothing else. A caller that never saw a declaration cannot
-- rebuild a pool whose state is missing: the script fails with NOPOOL before it writes anything of
-- the pool's state (clients check with describe.lua first and are refused before any write at all).
-- DECLARING: the declaration declare.lua is writing (nil in every other script).
local DECLARING = nil
-- The pool's classes as pool_state found them, their parser and drain's variant for them: classes.lua,
-- which SlotScripts loads after this file, defines the last two.
local CLASSES = nil
local classes_of
local class_drain

local function set_decl(leases, st, decl)
  if st.decl == decl then
    return
  end
  if st.decl ~= nil then
    redis.call('ZREM', leases, STATE .. 'decl|' .. st.decl)
  end
  redis.call('ZADD', leases, 0, STATE .. 'decl|' .. decl)
  st.decl = decl
end

-- The declaration a rebuilt state carries: the one being declared, else the one the caller last saw,
-- else (a caller told the pool is new: tests, `sluice local`) its configured limit; nil: undeclared.
local function decl_for_rebuild(c, st, new, limit)
  if DECLARING then
    return DECLARING
  end
  if st.decl then
    return st.decl
  end
  if c.decl ~= '' then
    return c.decl
  end
  if new then
    return 'limit=' .. fmt(limit)
  end
  return nil
end
-- ----------------------------------------------------------------------------------------------

-- The grant generation of this script call: read by pool_state, raised once by the first grant.
local GEN = 0
local GEN_RAISED = false

-- Writes grants ({expiry, leaseId, ...}) in one ZADD; the first grant of a script call raises the
-- generation in that same ZADD, so it costs no command of its own (the member's score is -G, below
-- every lease and apart from the state).
local function add_grants(leases, pairs)
  if not GEN_RAISED then
    GEN = GEN + 1
    GEN_RAISED = true
    pairs[#pairs + 1] = -GEN
    pairs[#pairs + 1] = '|m|gen'
  end
  redis.call('ZADD', leases, unpack(pairs))
end

-- What replies carry so that callers learn the generation of the epoch they know: 'epoch:gen'.
local function gen_of(st)
  return tostring(st.epoch) .. ':' .. fmt(GEN)
end

-- The same for a call that does not read the state (a renewal, a release nobody waits for, a batch
-- that only queues): it adds these two members to a ZMSCORE it makes on the leases anyway (or makes
-- one), and gen_seen turns their scores into 'epoch:gen', or '' when the caller's epoch is not the
-- stored one (it learns the stored one from its next heartbeat, which fences first).
local function gen_members(caller)
  return '|m|gen', STATE .. 'epoch|' .. parse_caller(caller).epoch
end

local function gen_seen(caller, gen_score, epoch_score)
  local epoch = parse_caller(caller).epoch
  if epoch == '' or not epoch_score then
    return ''
  end
  return epoch .. ':' .. fmt(gen_score and -tonumber(gen_score) or 0)
end

-- Reads (and, when it cannot be trusted, rebuilds and fences) the pool's state. Returns
-- limit       the live limit
-- grantable   the limit new grants may fill: 0 while fenced, else limit
-- st          the state table (epoch, born, limit, maxttl, fence as strings)
-- The pool is fenced (no new grant for the longest lease TTL known) whenever the caller cannot
-- prove that the state is current:
-- * no state at all: a new pool, or one Redis lost (FLUSHALL, restart empty, failover to an empty
--   replica, a DEL). A caller cannot tell the two apart, so it fences unless told 'fresh';
-- * the caller knew another epoch: the pool was rebuilt since (by a caller that may not have
--   known the longest TTL), or an older epoch's snapshot was restored; fence from now for the
--   longest TTL this caller or the state knows (a restored born lies in the past);
-- renew.lua adds the third case: a holder whose lease went missing (older snapshot, lagging replica).
local function pool_state(leases, now_ms, now_us, caller)
  local c = parse_caller(caller)
  local st = {}
  local items = redis.call('ZRANGE', leases, '-inf', 0, 'BYSCORE', 'WITHSCORES')
  for i = 1, #items, 2 do
    local m = items[i]
    if m == '|m|gen' then
      GEN = -tonumber(items[i + 1])
    else
      local k, v = string.match(m, '^|m|(%a+)|(.*)$')
      if k then
        st[k] = v
      end
    end
  end
  local fence = tonumber(st.fence or '0')
  if st.epoch == nil or st.limit == nil or st.maxttl == nil then
    local new = next(st) == nil and c.fresh and c.epoch == ''
    local limit = tonumber(st.limit or '0')
    if limit == 0 then
      limit = c.known_limit
    end
    if limit == 0 then
      -- A pool upgraded from v1 kept its live limit in the key beside the leases (same hash tag).
      local legacy = redis.call('GET', (string.gsub(leases, 'leases$', 'limit')))
      limit = tonumber(legacy or c.limit)
    end
    local maxttl = math.max(tonumber(st.maxttl or '0'), c.ttl, c.known_ttl)
    local decl = decl_for_rebuild(c, st, new, limit)
    if decl == nil then
      error('NOPOOL slot pool ' .. leases .. ' was never declared (sluice slots create)')
    end
    set_decl(leases, st, decl)
    if not new then
      fence = math.max(fence, now_ms + maxttl)
      redis.log(redis.LOG_WARNING, 'sluice slot pool ' .. leases .. ': state missing, fenced for ' .. fmt(maxttl) .. ' ms')
    end
    set_state(leases, st, 'epoch', now_us)
    set_state(leases, st, 'born', now_ms)
    set_state(leases, st, 'limit', limit)
    set_state(leases, st, 'maxttl', maxttl)
    set_state(leases, st, 'fence', fence)
  else
    if c.epoch ~= '' and c.epoch ~= st.epoch then
      -- Another epoch than the caller knew: rebuilt since (by a caller that may not have known the
      -- longest TTL), or an older epoch restored (an old snapshot, whose born lies in the past and
      -- whose grants since are lost). Either way leases the caller's epoch granted may still run:
      -- fence from now, never from a stored time.
      local until_ms = now_ms + math.max(tonumber(st.maxttl), c.known_ttl, c.ttl)
      if until_ms > fence then
        fence = until_ms
        redis.log(redis.LOG_WARNING, 'sluice slot pool ' .. leases .. ': a caller knew epoch ' .. c.epoch .. ', found '
          .. st.epoch .. '; fenced until ' .. fmt(fence))
      end
      set_state(leases, st, 'fence', fence)
    elseif c.epoch == st.epoch and c.gen > GEN then
      -- The caller saw grants this state does not have: it went back in time (an older snapshot,
      -- a lagging replica). Those grants' queries may run: fence, and take the caller's generation
      -- so that the others who saw it do not fence again.
      fence = math.max(fence, now_ms + math.max(tonumber(st.maxttl), c.known_ttl))
      set_state(leases, st, 'fence', fence)
      GEN = c.gen
      redis.call('ZADD', leases, -GEN, '|m|gen')
      redis.log(redis.LOG_WARNING, 'sluice slot pool ' .. leases .. ': rolled back (a caller saw generation '
        .. c.gen .. '), fenced until ' .. fmt(fence))
    end
    if st.decl == nil and c.decl ~= '' then
      set_decl(leases, st, c.decl)   -- a pool from before declarations: what its clients saw
    end
    local maxttl = math.max(c.ttl, c.known_ttl)
    if maxttl > tonumber(st.maxttl) then
      set_state(leases, st, 'maxttl', maxttl)
    end
  end
  local limit = tonumber(st.limit)
  CLASSES = classes_of(st.decl, limit)
  if now_ms < fence then
    return limit, 0, st
  end
  return limit, limit, st
end

-- Fences a pool whose state the caller just proved stale (a holder's lease went missing).
local function fence_now(leases, st, now_ms)
  local until_ms = now_ms + tonumber(st.maxttl)
  if until_ms > tonumber(st.fence or '0') then
    set_state(leases, st, 'fence', until_ms)
    redis.log(redis.LOG_WARNING, 'sluice slot pool ' .. leases .. ': a held lease went missing, fenced for ' .. st.maxttl .. ' ms')
  end
end

-- Queues tickets after the current tail, in the order given: scores strictly after the tail keep
-- arrival order even within one microsecond; NX: a ticket already queued keeps its place.
-- tail: the queue's last {member, score}, when the caller already read it.
local function enqueue(queue, tickets, now_us, tail)
  tail = tail or redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
  local score = now_us
  if #tail > 0 and tonumber(tail[2]) >= score then
    score = tonumber(tail[2]) + 1
  end
  local add = {}
  for _, t in ipairs(tickets) do
    add[#add + 1] = score
    add[#add + 1] = t
    score = score + 1
  end
  redis.call('ZADD', queue, 'NX', unpack(add))
end

-- Live leases (state members have score 0 and never count).
local function live_of(leases, now_ms)
  return redis.call('ZCOUNT', leases, '(' .. fmt(now_ms), '+inf')
end

-- ticket -> lease id (owner|clientId|n|t0), client id, lease ttl ms
local function parse_ticket(ticket)
  local lease, ttl = string.match(ticket, '^(.*)|([^|]*)$')
  local client = string.match(lease, '|([^|]*)|[^|]*|[^|]*$')
  return lease, client, tonumber(ttl)
end

-- Drops the clients whose heartbeat lapsed, with their queued tickets: a ticket is valid exactly
-- as long as its client's entry (so the hand-off path never checks liveness; a client that comes
-- back finds its entry gone, is told so by its heartbeat, and re-checks). Reads the whole queue
-- only when some client died. Returns the number of tickets dropped.
local function purge_dead(queue, clients, now_ms)
  local dead = redis.call('ZRANGE', clients, '-inf', fmt(now_ms), 'BYSCORE')
  if #dead == 0 then
    return 0
  end
  local gone = {}
  for i = 1, #dead, 1000 do
    redis.call('ZREM', clients, unpack(dead, i, math.min(#dead, i + 999)))
  end
  for _, c in ipairs(dead) do
    gone[c] = true
  end
  local drop = {}
  for _, t in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
    local _, client = parse_ticket(t)
    if gone[client] then
      drop[#drop + 1] = t
    end
  end
  for i = 1, #drop, 1000 do
    redis.call('ZREM', queue, unpack(drop, i, math.min(#drop, i + 999)))
  end
  if #drop > 0 then
    redis.log(redis.LOG_NOTICE, 'sluice slot pool ' .. queue .. ': dropped ' .. #drop .. ' ticket(s) of ' .. #dead .. ' dead client(s)')
  end
  return #drop
end

-- Hands free slots to the queue's head tickets, oldest first, skipping tickets whose grant channel
-- has no subscriber (when check_receivers is '1'; dead clients' tickets are purged by purge_dead).
-- Each grant is published on that client's channel as "expiryMs|leaseId", except the
-- caller's own ticket (self), which is returned instead. head: an already popped
-- {member, score} to start with, or nil; it goes back to the queue when there is no room.
-- Returns granted count, self lease id or nil, self expiry or nil.
local function drain(leases, queue, prefix, check_receivers, now_ms, free, self, head)
  if CLASSES then
    return class_drain(leases, queue, prefix, check_receivers, now_ms, free, self, head)
  end
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
    local lease, client, ttl = parse_ticket(ticket)
    local exp = now_ms + ttl
    if ticket == self then
      add_grants(leases, {exp, lease})
      self_lease, self_exp = lease, exp
      free, granted = free - 1, granted + 1
    else
      add_grants(leases, {exp, lease})
      local receivers = redis.call(PUBLISH, prefix .. client, fmt(exp) .. '|' .. lease)
      if receivers == 0 and check_receivers == '1' then
        -- Nobody listens for it: the client died (or is reconnecting and will re-enqueue).
        redis.call('ZREM', leases, lease)
      else
        free, granted = free - 1, granted + 1
      end
    end
  end
  if head ~= nil then
    redis.call('ZADD', queue, head[2], head[1])
  end
  return granted, self_lease, self_exp
end
