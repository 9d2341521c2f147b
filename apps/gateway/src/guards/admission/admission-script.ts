/**
 * Admission of one new task, atomically, and its creation when admitted. KEYS: 1 reservations (zset
 * taskId → admission time, ms), 2 the owner's unfinished task ids (set), 3 the task's hash, 4 the owner's
 * task index (zset), 5.. the Bull wait and paused lists of every model queue.
 * ARGV: 1 taskId, 2 max unfinished per owner, 3 max waiting jobs, 4 reservation lifetime (ms),
 * 5 task hash key prefix, 6 terminal statuses as |A|B|, 7 the task's index score, 8 R, then R reservations
 * to release first (jobs this gateway has enqueued since its last admission: they ride along instead of
 * costing a command each), then the task hash's field/value pairs.
 *
 * The owner's set is pruned only when it looks full: members whose task has ended, or whose task hash is
 * gone and which are not being admitted right now, are removed, so tasks that end anywhere (dispatcher,
 * cancel, expiry, a crashed replica) free their slot without every such path having to tell us.
 * Waiting jobs = Bull's lists + reservations not yet in Bull: concurrent submits cannot overshoot the cap
 * (a job is briefly counted twice between its enqueue and the release of its reservation).
 * Returns {0, waiting} when admitted (the task is written), {1, waiting} when the queue is full, {2, unfinished}
 * for the owner cap; a refusal writes nothing.
 */
export const ADMISSION_SCRIPT = `
local reserved, unfinished = KEYS[1], KEYS[2]
local taskId = ARGV[1]
local maxUnfinished, maxWaiting = tonumber(ARGV[2]), tonumber(ARGV[3])
local releases = tonumber(ARGV[8])
if releases > 0 then redis.call('ZREM', reserved, unpack(ARGV, 9, 8 + releases)) end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', reserved, '-inf', now - tonumber(ARGV[4]))

local count = redis.call('SCARD', unfinished)
if count >= maxUnfinished then
  for _, id in ipairs(redis.call('SMEMBERS', unfinished)) do
    local status = redis.call('HGET', ARGV[5] .. id, 'status')
    if status then
      if string.find(ARGV[6], '|' .. status .. '|', 1, true) then redis.call('SREM', unfinished, id) end
    elseif not redis.call('ZSCORE', reserved, id) then
      redis.call('SREM', unfinished, id)
    end
  end
  count = redis.call('SCARD', unfinished)
  if count >= maxUnfinished then return {2, count} end
end

local waiting = redis.call('ZCARD', reserved)
for i = 5, #KEYS do waiting = waiting + redis.call('LLEN', KEYS[i]) end
if waiting >= maxWaiting then return {1, waiting} end

redis.call('ZADD', reserved, now, taskId)
redis.call('SADD', unfinished, taskId)
redis.call('HSET', KEYS[3], unpack(ARGV, 9 + releases))
redis.call('ZADD', KEYS[4], ARGV[7], taskId)
return {0, waiting}`;
