-- wrk script: one InitiateAuth USER_PASSWORD_AUTH per request. The JSON body comes from the
-- BENCH_BODY environment variable (bench/run builds it for each server).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.InitiateAuth"
wrk.body = os.getenv("BENCH_BODY")
