-- A token bucket shared by every edge of one account limiter: refills by the time elapsed, then
-- grants up to the tokens asked for. One script, so concurrent edges never take the same token.
-- KEYS[1]: the bucket, a hash (tokens, at: microseconds of its last refill).
-- ARGV: 1 rate (tokens per second), 2 capacity, 3 tokens wanted, 4 now in microseconds or ''
-- for the server's TIME (tests drive a bucket's clock; edges always use the server's, the one
-- clock they share).
-- Returns {tokens granted, microseconds until it holds the tokens wanted again (0 if it does)}.
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate / 1000000)
  at = now
end
-- A refill due "now" may land a hair below a whole token (as in the edge's own Bucket).
local granted = math.floor(math.min(want, tokens) + 1e-9)
if granted < 0 then granted = 0 end
tokens = tokens - granted
-- Less granted than wanted: ask again once the bucket holds that much (sooner, competing edges
-- would split it into leases of one token, a round trip per request).
local wait = 0
if granted < want then wait = math.ceil((math.min(want, capacity) - tokens) * 1000000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
-- Idle for longer than a refill takes, the bucket is full again: forgetting it is the same.
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return {granted, wait}
