-- Records one webhook event, atomically with its dedupe, its journal row and its forwards.
-- KEYS[1]: <base>seq (routes the call; every key shares the {events} hash tag)
-- ARGV: base, event id, change key ('' when the event has no object), object ids (space-separated),
--       received at (ms), retention (ms), data.object.id ('' none), payload, connected account
--       ('' none), forward targets...
-- Returns NEW, DUPLICATE_EVENT or DUPLICATE_CHANGE.
local base = ARGV[1]
local id = ARGV[2]
local event = base .. 'e:' .. id
if redis.call('EXISTS', event) == 1 then
  return 'DUPLICATE_EVENT'
end
local result = 'NEW'
if ARGV[3] ~= '' then
  if not redis.call('SET', base .. 'c:' .. ARGV[3], id, 'NX', 'PX', ARGV[6]) then
    result = 'DUPLICATE_CHANGE'
  end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', event, 'ids', ARGV[4], 'at', ARGV[5], 'seq', seq)
redis.call('PEXPIRE', event, ARGV[6])
redis.call('ZADD', base .. 'unapplied', seq, id)
if ARGV[9] ~= '' then
  redis.call('SADD', base .. 'accounts', ARGV[9])
end
if result == 'NEW' then
  for i = 10, #ARGV do
    local d = redis.call('INCR', base .. 'o:seq')
    redis.call('HSET', base .. 'o:' .. d, 'event', id, 'object', ARGV[7], 'target', ARGV[i],
      'payload', ARGV[8], 'attempts', 0, 'next', ARGV[5], 'state', 'PENDING')
    redis.call('ZADD', base .. 'o:pending', d, d)
    -- The due index: a delivery is in its target's o:due:<target> (scored by its next attempt)
    -- while it heads its lane (target + object), so due() reads only what may be sent.
    local target = ARGV[i]
    redis.call('SADD', base .. 'o:targets', target)
    local head = true
    if ARGV[7] ~= '' then
      local lane = base .. 'o:lane:' .. target .. '\n' .. ARGV[7]
      redis.call('ZADD', lane, d, d)
      head = redis.call('ZCARD', lane) == 1
    end
    if head then
      redis.call('ZADD', base .. 'o:due:' .. target, ARGV[5], d)
    end
  end
end
return result
