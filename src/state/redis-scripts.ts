// The Lua scripts the Redis store runs. Each reads the saved version and decides in one step, so
// no other client's command can fall between the check and the write.
/** The script's answer when it saved the state; any other answer is the version Redis holds (0: none). */
export const APPLIED = -1

/**
 * Compare-and-set on version, atomically: the state, its history and the change message move
 * together, so of several replicas committing on the same version exactly one wins.
 * KEYS: state, history. ARGV: expected version, state JSON (without history), history entry JSON
 * ('' for a change of traffic settings, which adds none), history limit, channel, message (the whole state).
 */
export const COMMIT = `
local saved = redis.call('GET', KEYS[1])
local version = 0
if saved then version = cjson.decode(saved).version end
if version ~= tonumber(ARGV[1]) then return version end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('LPUSH', KEYS[2], ARGV[3])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return -1
`

/**
 * Puts a whole state in place. 'absent': only when none is saved (the first replica to start).
 * 'older': also over an older one (Redis restarted empty, or lost writes), so the newest state
 * any replica holds wins.
 * KEYS: state, history. ARGV: condition, version, state JSON (without history), channel, message,
 * then the history entries, newest first.
 */
export const REPLACE = `
local saved = redis.call('GET', KEYS[1])
local version = 0
if saved then version = cjson.decode(saved).version end
if (saved and ARGV[1] == 'absent') or version >= tonumber(ARGV[2]) then return version end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2])
-- In slices: unpack() is bounded by Lua's stack, and state.historyLimit goes up to 10000.
for i = 6, #ARGV, 1000 do redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return -1
`
