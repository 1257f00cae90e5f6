-- Records the outcome of an attempt of delivery ARGV[2]: DELIVERED, DEAD or PENDING (retry).
-- KEYS[1]: <base>o:pending; ARGV: base, id, state, attempts, next attempt (ms), error, retention (ms)
local key = ARGV[1] .. 'o:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then
  return 0
end
if ARGV[3] == 'DELIVERED' then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HSET', key, 'state', 'DELIVERED')
  redis.call('HDEL', key, 'payload', 'owner', 'claim')
  redis.call('PEXPIRE', key, ARGV[7])
elseif ARGV[3] == 'DEAD' then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZADD', ARGV[1] .. 'o:dead', ARGV[2], ARGV[2])
  redis.call('HSET', key, 'state', 'DEAD', 'attempts', ARGV[4], 'error', ARGV[6])
  redis.call('HDEL', key, 'owner', 'claim')
else
  -- Any edge may retry it.
  redis.call('HSET', key, 'attempts', ARGV[4], 'next', ARGV[5], 'error', ARGV[6])
  redis.call('HDEL', key, 'owner', 'claim')
end
return 1
