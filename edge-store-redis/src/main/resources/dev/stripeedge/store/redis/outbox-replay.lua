-- Puts dead deliveries of event ARGV[2] ('' = all) back to pending, due at ARGV[3] (ms).
-- KEYS[1]: <base>o:dead; ARGV[1]: base. Returns how many.
local count = 0
for _, d in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'o:' .. d
  if ARGV[2] == '' or redis.call('HGET', key, 'event') == ARGV[2] then
    redis.call('ZREM', KEYS[1], d)
    redis.call('ZADD', ARGV[1] .. 'o:pending', d, d)
    redis.call('HSET', key, 'state', 'PENDING', 'attempts', 0, 'next', ARGV[3])
    -- Back in its lane; it is due only if it heads it (it holds back a later one that did).
    local target = redis.call('HGET', key, 'target')
    local object = redis.call('HGET', key, 'object')
    local due = ARGV[1] .. 'o:due:' .. target
    redis.call('SADD', ARGV[1] .. 'o:targets', target)
    if object and object ~= '' then
      local lane = ARGV[1] .. 'o:lane:' .. target .. '\n' .. object
      local head = redis.call('ZRANGE', lane, 0, 0)
      redis.call('ZADD', lane, d, d)
      if not head[1] then
        redis.call('ZADD', due, ARGV[3], d)
      elseif tonumber(d) < tonumber(head[1]) then
        redis.call('ZREM', due, head[1])
        redis.call('ZADD', due, ARGV[3], d)
      end
    else
      redis.call('ZADD', due, ARGV[3], d)
    end
    count = count + 1
  end
end
return count
