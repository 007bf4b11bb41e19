//! A REST API as seed 002 describes one: sign in, then send the token in the
//! `X-Amz-Cognito-Security-Token` header of every REST request ([`HeaderStyle::CognitoSecurityToken`]
//! sends the ID token, which carries the custom claims). Some endpoints also take an API key:
//! set `API_KEY` and it goes in `x-api-key` as well.
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
//!   API_URL=http://127.0.0.1:3000/v1/company \
//!   cargo run -p cognate-client --example rest_security_token
//! ```
//!
//! Against AWS: the same command without `COGNATE_ENDPOINT`, with your pool, app client, login
//! and the REST URL (plus `API_KEY` if the endpoint wants one).

use cognate_client::{Authenticator, Client, Credentials, HeaderStyle, TokenSource};

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client =
        Client::builder(env("COGNATE_USER_POOL_ID")?, env("COGNATE_CLIENT_ID")?).build()?;
    let credentials = Credentials::new(env("COGNATE_USERNAME")?, env("COGNATE_PASSWORD")?);
    let source = TokenSource::builder(client)
        .credentials(credentials)
        .build();

    // X-Amz-Cognito-Security-Token: <ID token> (and x-api-key: <API_KEY> when set).
    let mut auth = Authenticator::new(source, HeaderStyle::CognitoSecurityToken);
    if let Ok(key) = std::env::var("API_KEY") {
        auth = auth.api_key(key);
    }
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(auth)
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
