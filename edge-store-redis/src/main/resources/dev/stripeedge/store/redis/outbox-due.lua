-- Pending deliveries due at ARGV[2] (ms), oldest first, at most ARGV[3], none held back by an
-- earlier pending one for the same target and object; each returned one is claimed for ARGV[4]
-- until ARGV[5] (ms), so another edge does not send it meanwhile. ARGV[6]: one target, or '' for
-- every target.
-- Reads only the due index (o:due:<target>: each lane's head, scored by its next attempt), never
-- the deliveries that are not due or are held back.
-- KEYS[1]: <base>o:pending (routes the call); ARGV[1]: base.
-- Returns a list of rows: id, event, object, target, payload, attempts, next, error.
local base = ARGV[1]
local now = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local out = {}
if limit <= 0 then
  return out
end
local targets
if ARGV[6] ~= '' then
  targets = {ARGV[6]}
else
  targets = redis.call('SMEMBERS', base .. 'o:targets')
end
local candidates = {}
for _, target in ipairs(targets) do
  for _, d in ipairs(redis.call('ZRANGEBYSCORE', base .. 'o:due:' .. target, '-inf', now)) do
    table.insert(candidates, tonumber(d))
  end
end
table.sort(candidates)
for _, n in ipairs(candidates) do
  local d = tostring(n)
  local key = base .. 'o:' .. d
  local row = redis.call('HMGET', key, 'event', 'object', 'target', 'payload', 'attempts', 'next',
    'error', 'owner', 'claim')
  local claimedElsewhere = row[8] and row[8] ~= ARGV[4] and tonumber(row[9]) > now
  if row[1] and not claimedElsewhere then
    redis.call('HSET', key, 'owner', ARGV[4], 'claim', ARGV[5])
    table.insert(out, {d, row[1], row[2], row[3], row[4], row[5], row[6], row[7] or ''})
    if #out >= limit then
      break
    end
  end
end
return out
