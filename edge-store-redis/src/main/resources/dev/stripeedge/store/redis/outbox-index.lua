-- Builds the due index (o:targets, o:lane:<target>\n<object>, o:due:<target>) from o:pending once,
-- for deliveries queued by a version that kept none; marks it built in o:indexed.
-- KEYS[1]: <base>o:pending; ARGV[1]: base. Returns 1 when it built the index, 0 when it existed.
local base = ARGV[1]
if redis.call('EXISTS', base .. 'o:indexed') == 1 then
  return 0
end
for _, d in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local row = redis.call('HMGET', base .. 'o:' .. d, 'target', 'object', 'next')
  if row[1] then
    local due = base .. 'o:due:' .. row[1]
    redis.call('SADD', base .. 'o:targets', row[1])
    if row[2] and row[2] ~= '' then
      local lane = base .. 'o:lane:' .. row[1] .. '\n' .. row[2]
      redis.call('ZADD', lane, d, d)
      if redis.call('ZRANGE', lane, 0, 0)[1] == d then
        redis.call('ZADD', due, row[3], d)
      else
        redis.call('ZREM', due, d)
      end
    else
      redis.call('ZADD', due, row[3], d)
    end
  end
end
redis.call('SET', base .. 'o:indexed', '1')
return 1
