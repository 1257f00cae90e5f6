-- Records the outcome of an attempt of delivery ARGV[2]: DELIVERED, DEAD or PENDING (retry).
-- KEYS[1]: <base>o:pending; ARGV: base, id, state, attempts, next attempt (ms), error, retention (ms)
local key = ARGV[1] .. 'o:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then
  return 0
end
local target = redis.call('HGET', key, 'target')
local due = ARGV[1] .. 'o:due:' .. target

-- The delivery leaves its lane: the next one in it (if any) becomes due at its own next attempt.
local function leaveLane()
  redis.call('ZREM', due, ARGV[2])
  local object = redis.call('HGET', key, 'object')
  if object and object ~= '' then
    local lane = ARGV[1] .. 'o:lane:' .. target .. '\n' .. object
    redis.call('ZREM', lane, ARGV[2])
    local following = redis.call('ZRANGE', lane, 0, 0)
    if following[1] then
      redis.call('ZADD', due, redis.call('HGET', ARGV[1] .. 'o:' .. following[1], 'next'),
        following[1])
    end
  end
end

if ARGV[3] == 'DELIVERED' then
  leaveLane()
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HSET', key, 'state', 'DELIVERED')
  redis.call('HDEL', key, 'payload', 'owner', 'claim')
  redis.call('PEXPIRE', key, ARGV[7])
elseif ARGV[3] == 'DEAD' then
  leaveLane()
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZADD', ARGV[1] .. 'o:dead', ARGV[2], ARGV[2])
  redis.call('HSET', key, 'state', 'DEAD', 'attempts', ARGV[4], 'error', ARGV[6])
  redis.call('HDEL', key, 'owner', 'claim')
else
  -- Any edge may retry it.
  redis.call('HSET', key, 'attempts', ARGV[4], 'next', ARGV[5], 'error', ARGV[6])
  redis.call('HDEL', key, 'owner', 'claim')
  redis.call('ZADD', due, 'XX', ARGV[5], ARGV[2])
end
return 1
