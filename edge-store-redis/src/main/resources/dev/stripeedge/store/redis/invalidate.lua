-- Invalidates one id: records when (Redis server time, so instances with skewed clocks agree),
-- then hands back and forgets the cache keys its index holds; the caller deletes those entries.
-- A put that reached the index before this ran is found here; one that did not sees the marker.
-- KEYS[1]: the id's index set, KEYS[2]: its marker (one hash slot: both carry the tag {id}).
-- ARGV: 1 invalidation memory (ms): how long the marker is kept.
-- Returns the cache keys.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local marker = string.format('%.0f', now)
-- A server clock stepping back never lowers a marker.
local previous = redis.call('GET', KEYS[2])
if previous and tonumber(previous) > now then marker = previous end
redis.call('SET', KEYS[2], marker, 'PX', ARGV[1])
local keys = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return keys
