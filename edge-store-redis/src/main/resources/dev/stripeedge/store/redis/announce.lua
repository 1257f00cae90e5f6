-- An edge's heartbeat: marks it alive, forgets edges silent for longer than the TTL, and counts
-- the rest (the local fair share divides each rate by this count while Redis is unreachable).
-- KEYS[1]: the live edges, a sorted set scored by their last heartbeat (server milliseconds).
-- ARGV: 1 this edge's id, 2 TTL in milliseconds.
-- Returns the number of live edges, this one included.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])
