-- Cluster put, step 2: stores the entry marked pending (readers skip it) unless a newer live
-- entry is there. An older pending entry is replaced; its own put then fails to publish.
-- KEYS[1]: the entry hash.
-- ARGV: 1 value, 2 fetch started (ms), 3 expires at (ms), 4 ids joined by "\n".
-- Returns 1 when stored, 0 when refused.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fetched = tonumber(ARGV[2])
if tonumber(ARGV[3]) <= now then return 0 end
local stored = redis.call('HMGET', KEYS[1], 'f', 'x')
if stored[1] and tonumber(stored[2]) > now and tonumber(stored[1]) >= fetched then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'f', ARGV[2], 'x', ARGV[3], 'i', ARGV[4], 'p', '1')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
