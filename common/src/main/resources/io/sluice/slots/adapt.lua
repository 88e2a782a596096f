-- adapt: one pool client's report of what the downstream answered since its last report, and at
-- most one controller step per step interval for the whole fleet (Redis time, so every pod feeds
-- the same window and one step runs at a time, atomically). The step moves the live limit between
-- min and max (docs/SLOTS.md "Adaptive limit"):
-- * more than 0.5 % of the window's answers were 429s: multiplicative decrease by the refused share
--   (x 0.9 at most, x 0.5 at least), and no higher than what is left (below);
-- * the downstream said how much it takes (Snuba's concurrent policy on successful answers:
--   rejection_threshold T and quota_used U, ours included; each report brings the largest U its client
--   saw since its last, and the window keeps the largest U - our live leases): what is left for us is
--   T - (U - our live leases) - 2 % of T; the limit goes down to it at once, and up to it at once when
--   the window had no 429 (after a recent back-off the numbers did not explain, only to 95 % of where
--   it happened, then by one);
--   with a few 429s, up by a tenth per step while more than a tenth of T away, else by one;
-- * no numbers, no 429, the pool full: additive probing (+1 per step).
-- A raised limit is handed to the queue's head at once.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients  KEYS[4] adapt (hash: the window's ok, limited, thr,
--   others; the last step: step (its time), from, to, why, left (-1: no numbers), w_ok, w_limited;
--   ceil and ceil_at, the limit at the last back-off the numbers did not explain, and when)
-- ARGV[1] caller (see pool_state)  ARGV[2] ok answers  ARGV[3] rate-limited answers
-- ARGV[4] threshold T reported (0: none)  ARGV[5] with it, the largest U the caller saw since its last report  ARGV[6] min  ARGV[7] max  ARGV[8] step ms
-- ARGV[9] grant channel prefix  ARGV[10] check receivers '1'|'0'
-- Returns {limit, stepped 0|1, live, 'epoch:gen'}
local now_ms, now_us = now_of()
local limit, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[1])
local live = live_of(KEYS[1], now_ms)
redis.call('HINCRBY', KEYS[4], 'ok', ARGV[2])
redis.call('HINCRBY', KEYS[4], 'limited', ARGV[3])
local thr = tonumber(ARGV[4])
if thr > 0 then
  -- Others' share when that answer was given; the window keeps the largest (the cautious view).
  local others = math.max(0, tonumber(ARGV[5]) - live)
  local known = tonumber(redis.call('HGET', KEYS[4], 'others') or '-1')
  redis.call('HSET', KEYS[4], 'thr', thr)
  if others > known then
    redis.call('HSET', KEYS[4], 'others', others)
  end
end
local last = tonumber(redis.call('HGET', KEYS[4], 'step') or '0')
local w = redis.call('HMGET', KEYS[4], 'ok', 'limited', 'thr', 'others')
local since = now_ms - last
-- A burst of refusals (a tenth or more of the window) steps after a quarter of the interval: the
-- others just arrived, and every further second at the old limit is refused queries.
local burst = tonumber(w[2] or '0') * 10 >= tonumber(w[1] or '0') + tonumber(w[2] or '0') and tonumber(w[2] or '0') > 0
if since < tonumber(ARGV[8]) and not (burst and since * 4 >= tonumber(ARGV[8])) then
  return {limit, 0, live, gen_of(st)}
end
local ok, limited = tonumber(w[1] or '0'), tonumber(w[2] or '0')
local lo, hi = tonumber(ARGV[6]), tonumber(ARGV[7])
local left = nil
if w[3] and w[4] then
  local thr = tonumber(w[3])
  left = thr - tonumber(w[4]) - math.max(1, math.ceil(thr / 50))   -- keep 2 % of the threshold as margin
end
-- Where the last back-off the numbers did not explain happened (like TCP's ssthresh): growth goes
-- to 95 % of it at most, then one by one. It is forgotten after 30 s, or at once when the numbers
-- show far more room. A back-off the numbers explain (what is left below the limit: the others
-- took more) sets none: they, not the back-off, then say how far to grow.
local ceiling = tonumber(redis.call('HGET', KEYS[4], 'ceil') or '0')
if now_ms - tonumber(redis.call('HGET', KEYS[4], 'ceil_at') or '0') > 30000 then
  ceiling = 0
end
if left and ceiling > 0 and left > ceiling + tonumber(w[3]) / 10 then
  ceiling = 0   -- the numbers say the others gave back well over what the back-off was about
end
local new, why = limit, 'hold'
if limited > 0 and limited * 200 > ok + limited then
  if not (left and left < limit) then
    redis.call('HSET', KEYS[4], 'ceil', limit, 'ceil_at', now_ms)
  end
  -- More than 0.5 % refused: back off by the refused share (between x0.9 and x0.5), and never
  -- above what the numbers say is left.
  local refused = limited / (ok + limited)
  new = math.floor(limit * math.max(0.5, math.min(0.9, 1 - refused)))
  why = 'refused'
  if left and left < new then
    new = left
  end
elseif left and left < limit then
  new, why = left, 'others took more'                               -- the others took more: give it back now
elseif left and limited == 0 then
  -- Room and not one refusal: straight to what is left (the estimate comes from the window's peak in
  -- use, when our queries in flight nearly match our leases), but after a recent back-off only to
  -- 95 % of where it happened, then by one.
  new, why = left, 'room'
  if ceiling > 0 then
    new, why = math.min(left, math.max(limit + 1, math.floor(ceiling * 0.95))), 'room, near a back-off'
  end
elseif left then
  -- Room, but a few refusals (0.5 % or less): grow by a tenth per step while far below it, by one near it.
  local step = 1
  if left - limit > tonumber(w[3]) / 10 and (ceiling == 0 or limit < ceiling * 0.95) then
    step = math.max(1, math.ceil(limit / 10))
  end
  new, why = math.min(left, limit + step), 'room, a few refused'
elseif limited == 0 and ok > 0 and live >= limit - 1 then
  new, why = limit + 1, 'probing'                                   -- no numbers: additive probing while saturated
end
if new < lo or new > hi then
  new = math.max(lo, math.min(hi, new))
  why = why .. (new == lo and ' (at min)' or ' (at max)')
end
redis.call('HDEL', KEYS[4], 'ok', 'limited', 'thr', 'others')
-- The step, for `sluice slots status`: when, from, to, why, and the window it judged.
redis.call('HSET', KEYS[4], 'step', now_ms, 'from', limit, 'to', new, 'why', why, 'left', left or -1,
  'w_ok', ok, 'w_limited', limited)
if new ~= limit then
  set_state(KEYS[1], st, 'limit', new)
  CLASSES = classes_of(st.decl, new)   -- the classes' seats move with the limit
end
if new > live and grantable > 0 and redis.call('ZCARD', KEYS[2]) > 0 then
  live = live + drain(KEYS[1], KEYS[2], ARGV[9], ARGV[10], now_ms, new - live, nil, nil)
end
return {new, 1, live, gen_of(st)}
