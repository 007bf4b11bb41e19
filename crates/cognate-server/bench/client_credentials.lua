-- wrk: one client_credentials grant per request (HTTP Basic client authentication).
-- BENCH_AUTH is the Authorization header value.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
wrk.body = "grant_type=client_credentials&scope=https%3A%2F%2Fapi.bench%2Fread"
