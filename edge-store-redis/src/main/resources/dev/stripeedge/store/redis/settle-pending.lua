-- Cluster put, step 4: publishes (ARGV[2] = 'publish') or drops (otherwise) the pending entry
-- this put stored, recognised by its fetch start; another put's entry is left alone.
-- KEYS[1]: the entry hash. ARGV: 1 fetch started (ms) as stored, 2 'publish' or 'discard'.
-- Returns 1 when the entry was this put's, 0 otherwise.
if redis.call('HGET', KEYS[1], 'f') ~= ARGV[1] then return 0 end
if ARGV[2] == 'publish' then
  redis.call('HDEL', KEYS[1], 'p')
else
  redis.call('DEL', KEYS[1])
end
return 1
