-- Pending deliveries due at ARGV[2] (ms), oldest first, at most ARGV[3], none held back by an
-- earlier pending one for the same target and object; each returned one is claimed for ARGV[4]
-- until ARGV[5] (ms), so another edge does not send it meanwhile.
-- KEYS[1]: <base>o:pending; ARGV[1]: base.
-- Returns a list of rows: id, event, object, target, payload, attempts, next, error.
local now = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local out = {}
local held = {}
if limit <= 0 then
  return out
end
for _, d in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'o:' .. d
  local row = redis.call('HMGET', key, 'event', 'object', 'target', 'payload', 'attempts', 'next',
    'error', 'owner', 'claim')
  local lane = false
  if row[2] and row[2] ~= '' then
    lane = row[3] .. '\n' .. row[2]
  end
  if not (lane and held[lane]) then
    if lane then
      held[lane] = true
    end
    local claimedElsewhere = row[8] and row[8] ~= ARGV[4] and tonumber(row[9]) > now
    if row[6] and tonumber(row[6]) <= now and not claimedElsewhere then
      redis.call('HSET', key, 'owner', ARGV[4], 'claim', ARGV[5])
      table.insert(out, {d, row[1], row[2], row[3], row[4], row[5], row[6], row[7] or ''})
      if #out >= limit then
        break
      end
    end
  end
end
return out
