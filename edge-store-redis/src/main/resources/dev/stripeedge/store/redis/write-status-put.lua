-- A write's status on the shared board, only forward: KEYS[1] the write's hash;
-- ARGV: rank, the status line, how long to keep it (ms), "1" to record whatever the board holds.
local held = redis.call('HGET', KEYS[1], 'rank')
if ARGV[4] ~= '1' and held and tonumber(held) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'rank', ARGV[1], 'status', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
