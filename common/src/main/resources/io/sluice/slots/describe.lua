-- describe: the pool's declaration and identity, read only: it writes nothing, whatever it finds (a
-- client checks with it that its pool was declared before it makes any other call).
-- KEYS[1] leases  KEYS[2] the v1 limit key beside them (a pool from before v2 counts as declared)
-- Returns {declaration or '', epoch or '', live limit or 0, v1 limit or 0, fenceUntilMs or 0, nowMs}
local now_ms = now_of()
local st = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', 0, 'BYSCORE')) do
  local k, v = string.match(m, '^|m|(%a+)|(.*)$')
  if k then
    st[k] = v
  end
end
local legacy = redis.call('GET', KEYS[2])
return {st.decl or '', st.epoch or '', tonumber(st.limit or '0'), tonumber(legacy or '0'), tonumber(st.fence or '0'), now_ms}
