-- Up to ARGV[3] unapplied events received before ARGV[2] (ms), in recording order.
-- KEYS[1]: <base>unapplied; ARGV[1]: base.
-- Returns a flat list: id, object ids, received at, id, ...
local out = {}
local limit = tonumber(ARGV[3])
if limit <= 0 then
  return out
end
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local row = redis.call('HMGET', ARGV[1] .. 'e:' .. id, 'ids', 'at')
  if not row[2] then
    -- Expired past the retention: nothing left to apply.
    redis.call('ZREM', KEYS[1], id)
  elseif tonumber(row[2]) < tonumber(ARGV[2]) then
    table.insert(out, id)
    table.insert(out, row[1])
    table.insert(out, row[2])
    if #out >= 3 * limit then
      break
    end
  end
end
return out
