//! `cognate demo`: the whole story on this machine, with no AWS account. A local Cognito
//! (cognate-server, in memory, on a free loopback port) and two example APIs (axum, protected by
//! cognate-verify) start in this process; then an API user is created and handed its
//! credentials, logs in with `USER_SRP_AUTH` (cognate-client), calls the APIs with the headers
//! they expect, refreshes an expired access token without logging in again, and is refused where
//! it should be. Each step is narrated on stderr as it happens; with `--json`, each step's
//! observable outcome is also one JSON line on stdout.
//!
//! A little over ~600 lines: the steps are one story, read top to bottom; the example APIs,
//! the clock and call counting, and the narration's wrapping are in `demo/`.

mod apis;
mod wiring;
mod wrap;

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use cognate_client::{Credentials, HeaderStyle, LoginStep, TokenSet, TokenSource};
use cognate_server::{RunningServer, Seed, Server};
use serde_json::{Value, json};

use self::wiring::{AuthCalls, DemoClock};
use self::wrap::{WIDTH, wrap};
use crate::output::{Output, Ui};

/// `cognate demo` options.
#[derive(clap::Args, Debug, Default)]
pub struct DemoArgs {
    /// Also write one JSON line per step on stdout (its observable outcome); `--output json`
    /// does the same.
    #[arg(long)]
    pub json: bool,
    /// Leave the local Cognito and the APIs running afterwards, until Ctrl-C.
    #[arg(long)]
    pub keep_running: bool,
}

const TENANT_POOL: &str = "us-east-1_CognateDemo";
const API_CLIENT: &str = "cognatedemoapiusers0000000";
const OTHER_POOL: &str = "us-east-1_SomeoneElse";
const OTHER_CLIENT: &str = "cognatedemootherpool000000";
const SEED_USER: &str = "acme-dev";
const SEED_PASSWORD: &str = "Correct horse 1!";
const COMPANY_ID: &str = "acme-42";
const TEAM_ID: &str = "team-7";
/// Cognito's minimum access-token validity, which the demo's app client uses.
const ACCESS_VALIDITY_SECS: i64 = 300;

/// Runs `cognate demo`.
pub fn run(mut args: DemoArgs, ui: &Ui) -> Result<()> {
    args.json |= ui.output == Output::Json;
    let quiet = ui.quiet;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(demo(args, quiet))
}

/// Narration on stderr, and with `--json` one line per step on stdout.
struct Story {
    json: bool,
    quiet: bool,
    failures: Vec<String>,
}

impl Story {
    /// A line of narration on stderr, wrapped at [`WIDTH`] columns.
    fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            for part in wrap(line.as_ref(), WIDTH) {
                eprintln!("{part}");
            }
        }
    }

    /// Records a step's outcome; `ok: false` is a failure of the demo.
    /// Narrates and records a request the API must refuse with 401.
    fn refusal(&mut self, name: &str, what: &str, answer: &Answer) {
        self.say(format!(
            "   {what} → {} {}",
            answer.status,
            answer.challenge.as_deref().unwrap_or("")
        ));
        self.step(
            name,
            answer.status == 401,
            json!({"status": answer.status, "www_authenticate": answer.challenge}),
        );
    }

    fn step(&mut self, name: &str, ok: bool, mut outcome: Value) {
        if !ok {
            self.say(format!(
                "   ✗ unexpected outcome in step `{name}`: {outcome}"
            ));
            self.failures.push(name.to_owned());
        }
        if self.json {
            if let Value::Object(map) = &mut outcome {
                map.insert("step".into(), name.into());
                map.insert("ok".into(), ok.into());
            }
            println!("{outcome}");
        }
    }
}

fn seed() -> Result<Seed> {
    let flows = json!([
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH"
    ]);
    serde_json::from_value(json!({"pools": [
        {"id": TENANT_POOL, "name": "tenant",
         "Schema": [{"Name": "companyId", "AttributeDataType": "String"},
                    {"Name": "teamId", "AttributeDataType": "String"}],
         "clients": [{"name": "api-users", "id": API_CLIENT, "ExplicitAuthFlows": flows,
                      "AccessTokenValidity": ACCESS_VALIDITY_SECS / 60, "IdTokenValidity": 60,
                      "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}}],
         "users": [{"username": SEED_USER, "password": SEED_PASSWORD,
                    "attributes": {"email": "dev@acme.example", "email_verified": "true",
                                   "custom:companyId": COMPANY_ID, "custom:teamId": TEAM_ID}}]},
        {"id": OTHER_POOL, "name": "someone-else",
         "clients": [{"name": "app", "id": OTHER_CLIENT, "ExplicitAuthFlows": flows}],
         "users": [{"username": "mallory", "password": SEED_PASSWORD}]}
    ]}))
    .context("the demo's seed does not parse")
}

/// A random lowercase hex string (16 digits), for names and passwords nobody else has.
fn random_hex() -> String {
    format!(
        "{:016x}",
        RandomState::new().hash_one(std::time::SystemTime::now())
    )
}

/// An admin call over the wire, as any SDK would make it (the local Cognito needs no signature).
async fn admin(http: &reqwest::Client, endpoint: &str, op: &str, body: Value) -> Result<Value> {
    let resp = http
        .post(endpoint)
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .with_context(|| format!("{op}: the local Cognito did not answer"))?;
    let ok = resp.status().is_success();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    if !ok {
        bail!("{op} failed: {answer}");
    }
    Ok(answer)
}

/// The API user's ID token → an identity id → temporary AWS credentials, through an identity
/// pool of the local Cognito that trusts the tenant pool's API client.
async fn identity_pool_step(
    story: &mut Story,
    http: &reqwest::Client,
    endpoint: &str,
    source: &TokenSource,
    clock: &DemoClock,
) -> Result<()> {
    let identity = |op: &'static str, body: Value| async move {
        let resp = http
            .post(endpoint)
            .header("x-amz-target", format!("AWSCognitoIdentityService.{op}"))
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .with_context(|| format!("{op}: the local Cognito did not answer"))?;
        let ok = resp.status().is_success();
        let answer: Value = resp.json().await.unwrap_or(Value::Null);
        if !ok {
            bail!("{op} failed: {answer}");
        }
        Ok(answer)
    };
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{TENANT_POOL}");
    let created = identity(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "cognate demo", "AllowUnauthenticatedIdentities": false,
               "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": API_CLIENT}]}),
    )
    .await?;
    let pool = created["IdentityPoolId"]
        .as_str()
        .context("CreateIdentityPool returned no IdentityPoolId")?
        .to_owned();
    identity(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": pool,
               "Roles": {"authenticated": "arn:aws:iam::123456789012:role/cognate-demo"}}),
    )
    .await?;
    let aws = cognate_client::IdentityPoolCredentials::builder(pool.as_str(), source.clone())
        .build()
        .context("cannot set up the identity pool credentials")?;
    let identity_id = aws
        .identity_id()
        .await
        .context("GetId failed for the API user")?;
    let creds = aws
        .credentials()
        .await
        .context("GetCredentialsForIdentity failed for the API user")?;
    let key = creds.access_key_id();
    let prefix: String = key.chars().take(4).collect();
    let expires_in = creds
        .expiry()
        .and_then(|e| e.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX) - clock.now_secs());
    story.say(format!(
        "   identity pool {pool}: ID token → GetId → {identity_id} → GetCredentialsForIdentity → AWS access key {prefix}… (expires in {} s)",
        expires_in.unwrap_or_default()
    ));
    story.step(
        "identity_pool",
        identity_id.starts_with("us-east-1:") && prefix == "ASIA" && key.len() == 20,
        json!({"shown": true, "identity_pool_id": pool, "identity_id": identity_id,
               "access_key_id_prefix": prefix, "session_token": creds.session_token().is_some(),
               "expires_in_secs": expires_in}),
    );
    Ok(())
}

/// What an API answered: the status, and the JSON body (or null).
struct Answer {
    status: u16,
    body: Value,
    challenge: Option<String>,
}

async fn call(request: reqwest::RequestBuilder) -> Result<Answer> {
    let resp = request
        .send()
        .await
        .context("an example API did not answer")?;
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.json().await.unwrap_or(Value::Null);
    Ok(Answer {
        status,
        body,
        challenge,
    })
}

fn with_header(
    request: reqwest::RequestBuilder,
    style: HeaderStyle,
    tokens: &TokenSet,
) -> Result<reqwest::RequestBuilder> {
    let (name, value) = style.header(tokens)?;
    Ok(request.header(name, value))
}

/// The end of a JWT (its signature): the beginning is the same header for every token.
fn short(token: &str) -> String {
    let tail: String = token.chars().rev().take(10).collect();
    format!("…{}", tail.chars().rev().collect::<String>())
}

async fn login(client: &cognate_client::Client, user: &str, password: &str) -> Result<TokenSet> {
    match client.login(&Credentials::new(user, password)).await? {
        LoginStep::Authenticated(tokens) => Ok(*tokens),
        LoginStep::Challenge(c) => bail!("{user}'s login stopped at the {} challenge", c.name()),
    }
}

async fn demo(args: DemoArgs, quiet: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let mut story = Story {
        json: args.json,
        quiet,
        failures: Vec::new(),
    };
    let clock = DemoClock::default();
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .seed_data(seed()?)
        .clock(Arc::new(clock.clone()))
        .start()
        .await
        .context("cannot start the local Cognito")?;
    let endpoint = server.endpoint_url();
    let issuer = server.issuer(TENANT_POOL);
    let api_key = format!("da2-{}", random_hex());
    let tenant_api = apis::tenant(&issuer, API_CLIENT, &clock).await?;
    let partner_api = apis::partner(&issuer, API_CLIENT, &clock, &api_key).await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .context("cannot build an HTTP client")?;
    story.say(
        "cognate demo — a local Cognito, two APIs behind it, and an API user, in this process",
    );
    story.say(format!(
        "   local Cognito {endpoint} (in memory) · tenant API {} · partner API {}",
        tenant_api.url, partner_api.url
    ));
    story.step(
        "start",
        true,
        json!({"endpoint": endpoint, "tenant_api": tenant_api.url,
               "partner_api": partner_api.url, "user_pool_id": TENANT_POOL}),
    );

    // 1. The tenant admin creates an API user and hands out its credentials (seed 000).
    let username = format!("api-user-{}", &random_hex()[..8]);
    let password = format!("Cg{}!9z", random_hex());
    admin(
        &http,
        &endpoint,
        "AdminCreateUser",
        json!({"UserPoolId": TENANT_POOL, "Username": username, "MessageAction": "SUPPRESS",
               "TemporaryPassword": format!("Tmp{}!1a", random_hex())}),
    )
    .await?;
    admin(
        &http,
        &endpoint,
        "AdminSetUserPassword",
        json!({"UserPoolId": TENANT_POOL, "Username": username, "Password": password,
               "Permanent": true}),
    )
    .await?;
    story.say("1. tenant admin → AdminCreateUser + AdminSetUserPassword; hands out:");
    for (k, v) in [
        ("clientId", API_CLIENT),
        ("password", &password),
        ("userPoolId", TENANT_POOL),
        ("username", &username),
    ] {
        story.say(format!("   {k:<11} {v}"));
    }
    story.step(
        "credentials",
        true,
        json!({"client_id": API_CLIENT, "password": password, "user_pool_id": TENANT_POOL,
               "username": username}),
    );

    // 2. The API user logs in with USER_SRP_AUTH and calls the tenant API.
    let calls = Arc::new(AuthCalls::default());
    let client = wiring::client(&endpoint, TENANT_POOL, API_CLIENT, &clock, &calls)?;
    let source = TokenSource::builder(client.clone())
        .credentials(Credentials::new(username.as_str(), password.as_str()))
        .build();
    let first = source
        .tokens()
        .await
        .context("the API user's login failed")?;
    let lifetime = first.lifetime_secs().unwrap_or_default();
    story.say(format!(
        "2. API user → InitiateAuth USER_SRP_AUTH + PASSWORD_VERIFIER: ID {}, access {} (valid {lifetime} s), refresh token",
        short(first.id_token().as_str()),
        short(first.access_token().as_str()),
    ));
    story.step(
        "login",
        calls.srp_logins() == 1 && first.refresh_token().is_some(),
        json!({"srp_logins": calls.srp_logins(), "id_token": true, "access_token": true,
               "refresh_token": first.refresh_token().is_some(), "access_lifetime_secs": lifetime,
               "username": first.username(), "sub": first.sub()}),
    );
    let me_url = format!("{}/v1/me", tenant_api.url);
    let answer = call(with_header(
        http.get(&me_url),
        HeaderStyle::RawAccess,
        &first,
    )?)
    .await?;
    story.say(format!(
        "   GET /v1/me  Authorization: <access token> → {} {}",
        answer.status, answer.body
    ));
    story.step(
        "tenant_api",
        answer.status == 200 && answer.body["username"] == username.as_str(),
        json!({"status": answer.status, "body": answer.body, "header": "Authorization",
               "token": "access"}),
    );

    // 3. Short-lived tokens: move the shared clock past the access token's expiry.
    let skip = lifetime + 1;
    clock.advance(skip);
    let expired = call(with_header(
        http.get(&me_url),
        HeaderStyle::RawAccess,
        &first,
    )?)
    .await?;
    story.say(format!(
        "3. the app client's access tokens live {ACCESS_VALIDITY_SECS} s (Cognito's minimum); the clock Cognito, client and APIs share moves +{skip} s: the same access token → {}",
        expired.status
    ));
    let renewed = source.tokens().await.context("the refresh failed")?;
    let again = call(with_header(
        http.get(&me_url),
        HeaderStyle::RawAccess,
        &renewed,
    )?)
    .await?;
    let (logins, refreshes) = (calls.srp_logins(), calls.refreshes());
    story.say(format!(
        "   TokenSource → InitiateAuth REFRESH_TOKEN_AUTH: new access {} → GET /v1/me {} (USER_SRP_AUTH calls: {logins}, no new login)",
        short(renewed.access_token().as_str()),
        again.status
    ));
    story.step(
        "refresh",
        expired.status == 401
            && again.status == 200
            && logins == 1
            && refreshes == 1
            && renewed.access_token().as_str() != first.access_token().as_str(),
        json!({"clock_advanced_secs": skip, "expired_status": expired.status,
               "status": again.status, "body": again.body, "srp_logins": logins,
               "refreshes": refreshes,
               "new_access_token": renewed.access_token().as_str() != first.access_token().as_str()}),
    );

    // 4. Seed 002: a user with custom:companyId and custom:teamId, ID token in two headers.
    let tenant_tokens = login(&client, SEED_USER, SEED_PASSWORD).await?;
    story.say(format!(
        "4. {SEED_USER} (custom:companyId={}, custom:teamId={}) logs in with USER_SRP_AUTH",
        tenant_tokens
            .id_token()
            .claims()
            .custom("companyId")
            .unwrap_or("?"),
        tenant_tokens
            .id_token()
            .claims()
            .custom("teamId")
            .unwrap_or("?"),
    ));
    let graphql = call(
        with_header(
            http.post(format!("{}/graphql", partner_api.url)),
            HeaderStyle::GraphQlId,
            &tenant_tokens,
        )?
        .json(&json!({"query": "{ me { username companyId teamId } }"})),
    )
    .await?;
    story.say(format!(
        "   POST /graphql  authorization: <ID token> → {} {}",
        graphql.status, graphql.body
    ));
    let echoes = |v: &Value| {
        v["companyId"] == COMPANY_ID && v["teamId"] == TEAM_ID && v["username"] == SEED_USER
    };
    story.step(
        "graphql",
        graphql.status == 200 && echoes(&graphql.body["data"]["me"]),
        json!({"status": graphql.status, "body": graphql.body, "header": "authorization",
               "token": "id"}),
    );
    let rest = call(with_header(
        http.get(format!("{}/v1/company", partner_api.url)),
        HeaderStyle::CognitoSecurityToken,
        &tenant_tokens,
    )?)
    .await?;
    story.say(format!(
        "   GET /v1/company  X-Amz-Cognito-Security-Token: <ID token> → {} {}",
        rest.status, rest.body
    ));
    story.step(
        "rest",
        rest.status == 200 && echoes(&rest.body),
        json!({"status": rest.status, "body": rest.body,
               "header": "X-Amz-Cognito-Security-Token", "token": "id"}),
    );
    let status_url = format!("{}/v1/status", partner_api.url);
    let keyed = call(http.get(&status_url).header("x-api-key", &api_key)).await?;
    let keyless = call(http.get(&status_url)).await?;
    story.say(format!(
        "   GET /v1/status  x-api-key: {api_key} → {} {} (without the key: {})",
        keyed.status, keyed.body, keyless.status
    ));
    story.step(
        "api_key",
        keyed.status == 200 && keyless.status == 403,
        json!({"status": keyed.status, "body": keyed.body, "without_key_status": keyless.status}),
    );
    identity_pool_step(&mut story, &http, &endpoint, &source, &clock).await?;

    // 5. Refusals, as the user sees them.
    story.say("5. refusals:");
    let wrong = client
        .login(&Credentials::new(username.as_str(), "not the password"))
        .await;
    let (kind, message) = match &wrong {
        Err(cognate_client::Error::Cognito { kind, message, .. }) => {
            (kind.clone(), message.clone())
        }
        Err(e) => (String::new(), e.to_string()),
        Ok(_) => (String::new(), "accepted".to_owned()),
    };
    story.say(format!("   wrong password → {kind}: {message}"));
    story.step(
        "wrong_password",
        kind == "NotAuthorizedException",
        json!({"refused": wrong.is_err(), "error": kind, "message": message}),
    );
    let stale = call(with_header(
        http.get(&me_url),
        HeaderStyle::RawAccess,
        &first,
    )?)
    .await?;
    story.refusal("expired_token", "expired access token", &stale);
    let other_client = wiring::client(&endpoint, OTHER_POOL, OTHER_CLIENT, &clock, &calls)?;
    let foreign = login(&other_client, "mallory", SEED_PASSWORD).await?;
    let refused = call(with_header(
        http.get(&me_url),
        HeaderStyle::RawAccess,
        &foreign,
    )?)
    .await?;
    story.refusal(
        "other_pool",
        &format!("access token of another pool ({OTHER_POOL})"),
        &refused,
    );

    // The story is over: back to the system clock before anyone outside can act on the summary
    // line (with `--keep-running`, tools log in right after reading it, on the real time).
    clock.reset();
    let ok = story.failures.is_empty();
    let elapsed = started.elapsed().as_millis();
    if ok {
        story.say(format!(
            "done in {elapsed} ms: credentials handed out, SRP login, 3 token headers and an API key accepted, \
             1 refresh without a new login, 3 refusals."
        ));
    }
    story.step(
        "summary",
        ok,
        json!({"failures": story.failures, "elapsed_ms": elapsed}),
    );
    if !ok {
        server.shutdown().await;
        bail!(
            "the demo did not go as expected: {}",
            story.failures.join(", ")
        );
    }
    if args.keep_running {
        keep_running(
            server,
            &tenant_api.url,
            &partner_api.url,
            &username,
            &password,
            &api_key,
        )
        .await?;
    } else {
        server.shutdown().await;
    }
    Ok(())
}

async fn keep_running(
    server: RunningServer,
    tenant_api: &str,
    partner_api: &str,
    username: &str,
    password: &str,
    api_key: &str,
) -> Result<()> {
    let endpoint = server.endpoint_url();
    eprintln!(
        "\nstill running (Ctrl-C to stop; state is in memory and goes with it):\n\
         \x20 local Cognito  {endpoint}\n\
         \x20                pool {TENANT_POOL}   app client {API_CLIENT}\n\
         \x20 users          {username} / {password}   {SEED_USER} / {SEED_PASSWORD}\n\
         \x20 tenant API     GET {tenant_api}/v1/me          Authorization: <access token>\n\
         \x20 partner API    POST {partner_api}/graphql       authorization: <ID token>\n\
         \x20                GET {partner_api}/v1/company     X-Amz-Cognito-Security-Token: <ID token>\n\
         \x20                GET {partner_api}/v1/status      x-api-key: {api_key}\n\
         \x20 SDKs and tools:\n\
         \x20   export AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER={endpoint}\n\
         \x20   aws cognito-idp initiate-auth --no-sign-request --endpoint-url {endpoint} \\\n\
         \x20     --region us-east-1 \\\n\
         \x20     --client-id {API_CLIENT} --auth-flow USER_PASSWORD_AUTH \\\n\
         \x20     --auth-parameters USERNAME={username},PASSWORD='{password}'\n\
         \x20   boto3.client(\"cognito-idp\", endpoint_url=\"{endpoint}\", region_name=\"us-east-1\")\n\
         \x20   cognate: {}={endpoint}",
        cognate_client::ENDPOINT_ENV
    );
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    eprintln!("stopping");
    server.shutdown().await;
    Ok(())
}
