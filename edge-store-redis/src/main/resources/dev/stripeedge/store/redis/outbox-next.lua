-- The earliest next attempt (ms) of any pending delivery; false when none is pending.
-- KEYS[1]: <base>o:pending; ARGV[1]: base.
local earliest = false
for _, d in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local next = tonumber(redis.call('HGET', ARGV[1] .. 'o:' .. d, 'next'))
  if next and (not earliest or next < earliest) then
    earliest = next
  end
end
if earliest then
  return tostring(earliest)
end
return false
