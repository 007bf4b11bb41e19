-- wrk script: one InitiateAuth USER_PASSWORD_AUTH per request, as one of BENCH_NUSERS users
-- (u0 … u(N-1), made by users.py) picked at random: logins of different users, which do not
-- take turns (one password attempt per user at a time) as the logins of one user do.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.InitiateAuth"
local client = os.getenv("BENCH_CLIENT")
local n = tonumber(os.getenv("BENCH_NUSERS"))
request = function()
  local body = '{"ClientId":"' .. client .. '","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":'
    .. '{"USERNAME":"u' .. (math.random(n) - 1) .. '","PASSWORD":"Correct horse 1!"}}'
  return wrk.format(nil, nil, nil, body)
end
