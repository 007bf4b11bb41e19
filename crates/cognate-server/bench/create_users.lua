-- wrk script: AdminCreateUser with unique names until BENCH_USERS users exist, split evenly
-- over wrk's threads; each thread stops itself at its share (wrk itself runs until -d, so
-- bench/run stops it once the pool has them all).
local pool = os.getenv("BENCH_POOL")
local total = tonumber(os.getenv("BENCH_USERS"))
local threads = tonumber(os.getenv("BENCH_THREADS"))
-- per-thread globals (thread:set writes globals, so these must not be locals)
counter = 0
done = 0
id = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"UserPoolId":"%s","Username":"user-%d-%d","TemporaryPassword":"Temporary 1!","MessageAction":"SUPPRESS","UserAttributes":[{"Name":"email","Value":"user-%d-%d@example.com"}]}',
    pool, id, counter, id, counter)
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = "AWSCognitoIdentityProviderService.AdminCreateUser",
  }, body)
end

function response(status, headers, body)
  if status == 200 then
    done = done + 1
  end
  if done >= total / threads then
    wrk.thread:stop()
  end
end
