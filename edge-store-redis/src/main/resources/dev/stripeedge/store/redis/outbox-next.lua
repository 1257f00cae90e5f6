-- The earliest next attempt (ms) of any delivery that may be sent (a lane's head); false when
-- none is pending. Reads the first of each target's due index only.
-- KEYS[1]: <base>o:pending (routes the call); ARGV[1]: base.
local earliest = false
for _, target in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'o:targets')) do
  local first = redis.call('ZRANGE', ARGV[1] .. 'o:due:' .. target, 0, 0, 'WITHSCORES')
  if first[2] then
    local next = tonumber(first[2])
    if not earliest or next < earliest then
      earliest = next
    end
  end
end
if earliest then
  return tostring(earliest)
end
return false
