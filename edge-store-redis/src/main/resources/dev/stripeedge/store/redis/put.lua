-- Stores one entry atomically with every check that could make it stale (standalone Redis:
-- the keys of several ids may live anywhere, which only a single server allows in one script).
-- KEYS[1]: the entry hash; then per id i: KEYS[2i] its index set, KEYS[2i+1] its marker.
-- ARGV: 1 cache key (the index member), 2 value, 3 fetch started (ms), 4 expires at (ms),
--       5 ids joined by "\n", 6 clock tolerance (ms).
-- Returns 1 when stored, 0 when refused.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fetched = tonumber(ARGV[3])
local expires = tonumber(ARGV[4])
local tolerance = tonumber(ARGV[6])
if expires <= now then return 0 end
for i = 3, #KEYS, 2 do
  local invalidated = redis.call('GET', KEYS[i])
  if invalidated and fetched <= tonumber(invalidated) + tolerance then return 0 end
end
-- An older fetch never replaces a newer one that is still live.
local stored = redis.call('HMGET', KEYS[1], 'f', 'x')
if stored[1] and tonumber(stored[2]) > now and tonumber(stored[1]) >= fetched then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'f', ARGV[3], 'x', ARGV[4], 'i', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
for i = 2, #KEYS, 2 do
  redis.call('SADD', KEYS[i], ARGV[1])
  -- The index lives as long as its longest-lived entry, then goes: it never grows forever.
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 or now + ttl < expires then redis.call('PEXPIREAT', KEYS[i], ARGV[4]) end
end
return 1
