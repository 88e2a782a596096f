-- heartbeat: mark this client alive (its tickets stay valid), purge dead clients with their
-- tickets, and leases that expired over a minute (or the longest lease TTL) ago: expired leases
-- never count, and `reap` purges them at once, so an operator's reap still sees them. Serves waiters if slots are free,
-- and reports the pool's figures and state.
-- KEYS[1] leases  KEYS[2] queue  KEYS[3] clients
-- ARGV[1] client id  ARGV[2] client ttl ms  ARGV[3] caller (see pool_state)
-- ARGV[4] grant channel prefix  ARGV[5] check receivers '1'|'0'  ARGV[6] '1': report the classes' figures
-- Returns {limit, live, waiting, nowMs, epoch, maxTtlMs, fenceUntilMs, 'epoch:gen', wasGone 1|0, declaration,
--          {name, nominal, guaranteed, used, waiting, ...} per class (class_figures; {} without classes or
--          without ARGV[6])}
local now_ms, now_us = now_of()
-- 1 when this client's entry was gone (purged as dead, or lost): its tickets may be gone too.
local was_gone = redis.call('ZADD', KEYS[3], now_ms + tonumber(ARGV[2]), ARGV[1])
purge_dead(KEYS[2], KEYS[3], now_ms)
local limit, grantable, st = pool_state(KEYS[1], now_ms, now_us, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '(0', fmt(now_ms - math.max(60000, tonumber(st.maxttl))))
local live = live_of(KEYS[1], now_ms)
local waiting = redis.call('ZCARD', KEYS[2])
if waiting > 0 and live < grantable then
  live = live + drain(KEYS[1], KEYS[2], ARGV[4], ARGV[5], now_ms, grantable - live, nil, nil)
  waiting = redis.call('ZCARD', KEYS[2])
end
return {limit, live, waiting, now_ms, st.epoch, tonumber(st.maxttl), tonumber(st.fence), gen_of(st), was_gone, st.decl or '',
  ARGV[6] == '1' and class_figures(KEYS[1], KEYS[2], now_ms) or {}}
