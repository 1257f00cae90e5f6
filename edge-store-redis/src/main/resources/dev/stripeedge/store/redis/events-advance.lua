-- Moves the reconciliation cursor KEYS[1] to ARGV[1]; when ARGV[3] (a fencing token) is not empty,
-- only while the lease ARGV[2] is held under that token, so a paused former leader cannot move it.
-- Returns 1, or 0 when the token is stale.
if ARGV[3] ~= '' then
  local current = redis.call('GET', ARGV[2])
  if not current or string.match(current, '|(%d+)$') ~= ARGV[3] then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
