-- Takes the lease KEYS[1] for ARGV[1] for ARGV[2] ms when nobody holds it (SET NX PX), or renews it
-- when ARGV[1] does. A new holder gets a new fencing token (INCR): cursor writes carry it.
-- Returns the holder's token, or -1 when another edge holds the lease.
local current = redis.call('GET', KEYS[1])
if current then
  local owner, token = string.match(current, '^(.*)|(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return -1
end
local token = redis.call('INCR', KEYS[1] .. ':token')
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'NX', 'PX', ARGV[2])
return token
