-- Puts dead deliveries of event ARGV[2] ('' = all) back to pending, due at ARGV[3] (ms).
-- KEYS[1]: <base>o:dead; ARGV[1]: base. Returns how many.
local count = 0
for _, d in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'o:' .. d
  if ARGV[2] == '' or redis.call('HGET', key, 'event') == ARGV[2] then
    redis.call('ZREM', KEYS[1], d)
    redis.call('ZADD', ARGV[1] .. 'o:pending', d, d)
    redis.call('HSET', key, 'state', 'PENDING', 'attempts', 0, 'next', ARGV[3])
    count = count + 1
  end
end
return count
