//! An API user as seed 000 describes one: the vendor hands out `userPoolId`, `clientId`,
//! `username` and `password`; the user logs in with `USER_SRP_AUTH` (the password never leaves
//! the process) and calls the API with the raw access token in `Authorization`. Tokens are
//! refreshed by themselves when they near expiry, and once more on a 401.
//!
//! Prints the HTTP status and the body; exits non-zero if the login fails or the answer is not
//! a success.
//!
//! Against `cognate serve`, from the repository root, with the API of
//! `crates/cognate-verify/examples/protect_an_axum_api.rs` (each in its own terminal):
//!
//! ```sh
//! cargo run -p cognate-cli -- serve --in-memory --seed examples/seed.toml
//! COGNATE_ENDPOINT=http://127.0.0.1:9229 COGNATE_USER_POOL_ID=us-east-1_Examples1 \
//!   COGNATE_CLIENT_ID=exampleapiusers00000000000 \
//!   cargo run -p cognate-verify --example protect_an_axum_api
//! COGNATE_ENDPOINT=http://127.0.0.1:9229 COGNATE_USER_POOL_ID=us-east-1_Examples1 \
//!   COGNATE_CLIENT_ID=exampleapiusers00000000000 \
//!   COGNATE_USERNAME=api-user COGNATE_PASSWORD='Correct horse 1!' \
//!   API_URL=http://127.0.0.1:3000/v1/me \
//!   cargo run -p cognate-client --example api_user_srp
//! ```
//!
//! Against AWS: the same command without `COGNATE_ENDPOINT`, with the four credentials you were
//! given and the vendor's API URL. No AWS account or AWS credentials are needed: the login calls
//! are unsigned.

use cognate_client::{AuthFlow, Authenticator, Client, Credentials, HeaderStyle, TokenSource};

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The endpoint is COGNATE_ENDPOINT (or AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER) when set,
    // else Cognito in the pool's region.
    let client = Client::builder(env("COGNATE_USER_POOL_ID")?, env("COGNATE_CLIENT_ID")?)
        .auth_flow(AuthFlow::UserSrp)
        .build()?;
    let credentials = Credentials::new(env("COGNATE_USERNAME")?, env("COGNATE_PASSWORD")?);
    let source = TokenSource::builder(client)
        .credentials(credentials)
        .build();
    let tokens = source.tokens().await?; // the SRP login
    eprintln!("logged in as {}", tokens.username().unwrap_or("?"));

    // Authorization: <access token>, raw, on every request.
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(Authenticator::new(source, HeaderStyle::RawAccess))
        .build();
    let answer = http.get(env("API_URL")?).send().await?;
    let status = answer.status();
    println!("{status}");
    println!("{}", answer.text().await?);
    if !status.is_success() {
        return Err(format!("the API answered {status}").into());
    }
    Ok(())
}
