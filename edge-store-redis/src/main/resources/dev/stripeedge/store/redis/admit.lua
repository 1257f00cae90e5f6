-- Cluster put, steps 1 and 3, per id: refuses a fill whose fetch an invalidation of this id may
-- have overtaken, else records the cache key in the id's index. Run once before the entry is
-- stored (pending) and once after, so either the fill sees the invalidation or the invalidation
-- finds the key in the index.
-- KEYS[1]: the id's index set, KEYS[2]: its marker (one hash slot: both carry the tag {id}).
-- ARGV: 1 cache key, 2 fetch started (ms), 3 expires at (ms), 4 clock tolerance (ms).
-- Returns 1 when admitted, 0 when refused.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fetched = tonumber(ARGV[2])
local expires = tonumber(ARGV[3])
local tolerance = tonumber(ARGV[4])
local invalidated = redis.call('GET', KEYS[2])
if invalidated and fetched <= tonumber(invalidated) + tolerance then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or now + ttl < expires then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1
