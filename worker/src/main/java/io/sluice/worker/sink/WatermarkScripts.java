package io.sluice.worker.sink;

import io.sluice.worker.sink.Watermarks.Script;

/**
 * The Lua scripts behind {@link Watermarks}. A watermark value is "end" (committed) or "end:token"
 * (pending: the transaction claimed under "token" writes it). Every script that reads or writes
 * watermarks first checks the epoch key (KEYS[1]) and answers {@code {'lost'}}, changing nothing,
 * when it is missing.
 */
final class WatermarkScripts {
    private WatermarkScripts() {
    }

    /** Parses a watermark value: end (-1 when none) and whether it is pending. */
    private static final String MARK = """
            local function mark(v)
              if not v or v == '' then return -1, false end
              local c = string.find(v, ':', 1, true)
              if c then return tonumber(string.sub(v, 1, c - 1)), true end
              return tonumber(v), false
            end
            """;

    /** KEYS: epoch, then each org's shard; ARGV: the orgs in the same order. Answers 'ok', then each org's value ("" when none). */
    static final Script READ = new Script("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'lost'} end
            local out = {'ok'}
            for i = 2, #KEYS do out[i] = redis.call('HGET', KEYS[i], ARGV[i - 1]) or '' end
            return out
            """);

    /**
     * KEYS: epoch, then shard and lock of each org, in pairs; ARGV: token, lock TTL ms, then org and window
     * end of each. Answers 'ok', then per org three replies:
     * a newer watermark (pending or not): "stale", wm, ""; locked by another publisher: "busy", pttl, "";
     * this window already committed: "done", wm, ""; otherwise the org is ours: "ok", wm, its previous value.
     * Only when no org is busy: each "ok" org's lock is taken (or kept) and its watermark set to
     * "end:token" (pending), so a flush that must wait holds nothing and changes nothing.
     */
    static final Script CLAIM = new Script(MARK + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'lost'} end
            local out, busy = {'ok'}, false
            for i = 2, #KEYS, 2 do
              local org, mine = ARGV[i + 1], tonumber(ARGV[i + 2])
              local raw = redis.call('HGET', KEYS[i], org)
              local wm, pending = mark(raw)
              local holder = redis.call('GET', KEYS[i + 1])
              if wm > mine then
                out[#out + 1] = 'stale'; out[#out + 1] = tostring(wm); out[#out + 1] = ''
              elseif holder and holder ~= ARGV[1] then
                out[#out + 1] = 'busy'; out[#out + 1] = tostring(redis.call('PTTL', KEYS[i + 1])); out[#out + 1] = ''
                busy = true
              elseif wm == mine and not pending then
                out[#out + 1] = 'done'; out[#out + 1] = tostring(wm); out[#out + 1] = ''
              else
                out[#out + 1] = 'ok'; out[#out + 1] = tostring(wm); out[#out + 1] = raw or ''
              end
            end
            if not busy then
              local n = 0
              for i = 2, #KEYS, 2 do
                n = n + 1
                if out[3 * n - 1] == 'ok' then
                  redis.call('SET', KEYS[i + 1], ARGV[1], 'PX', ARGV[2])
                  redis.call('HSET', KEYS[i], ARGV[i + 1], ARGV[i + 2] .. ':' .. ARGV[1])
                end
              end
            end
            return out
            """);

    /**
     * KEYS: epoch, then shard and lock of each org, in pairs; ARGV: token, then org, expected value and
     * replacement of each. Per org: when its value is exactly the expected one (an empty expectation
     * matches nothing), sets it to the replacement ("" removes it); drops the lock if it is still the
     * token's. Answers 'ok' and how many locks were still ours.
     */
    static final Script FINISH = new Script("""
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'lost'} end
            local ours, n = 0, 0
            for i = 2, #KEYS, 2 do
              local org, expect, replace = ARGV[3 * n + 2], ARGV[3 * n + 3], ARGV[3 * n + 4]
              n = n + 1
              if expect ~= '' and redis.call('HGET', KEYS[i], org) == expect then
                if replace == '' then redis.call('HDEL', KEYS[i], org) else redis.call('HSET', KEYS[i], org, replace) end
              end
              if redis.call('GET', KEYS[i + 1]) == ARGV[1] then redis.call('DEL', KEYS[i + 1]); ours = ours + 1 end
            end
            return {'ok', tostring(ours)}
            """);

    /**
     * KEYS: epoch, rebuild lock; ARGV: token, TTL ms. "epoch" when the epoch exists (nothing to rebuild);
     * "mine" when the rebuild lock was taken or renewed for the token; "other" when another worker holds it.
     */
    static final Script REBUILD_LOCK = new Script("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return {'epoch'} end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'mine'} end
            if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('PEXPIRE', KEYS[2], ARGV[2]); return {'mine'} end
            return {'other'}
            """);

    /**
     * KEYS: rebuild lock, then each org's shard; ARGV: token, then org and committed window end of each
     * (read from the results topic). Unless the lock is no longer the token's ("lock-lost"): raises each
     * watermark to the committed end, and a pending mark at that end becomes committed. Never lowers one.
     */
    static final Script RAISE_COMMITTED = new Script(MARK + """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lock-lost'} end
            for i = 2, #KEYS do
              local org, e = ARGV[2 * i - 2], tonumber(ARGV[2 * i - 1])
              local wm, pending = mark(redis.call('HGET', KEYS[i], org))
              if e > wm or (e == wm and pending) then redis.call('HSET', KEYS[i], org, ARGV[2 * i - 1]) end
            end
            return {'ok'}
            """);

    /** KEYS: epoch, rebuild lock; ARGV: token, epoch value. Writes the epoch and drops the lock if it is still the token's. */
    static final Script PUBLISH_EPOCH = new Script("""
            if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {'lock-lost'} end
            redis.call('SET', KEYS[1], ARGV[2])
            redis.call('DEL', KEYS[2])
            return {'ok'}
            """);
}
