//! A GraphQL API as seed 002 describes one: sign in, then send the ID token, raw, in the
//! `authorization` header of every GraphQL request (AppSync's Cognito authorization). The ID
//! token carries the user's custom claims (`custom:companyId`, `custom:teamId`), printed here as
//! the client sees them.
//!
//! Prints the HTTP status and the body; exits non-zero if the login fails or the answer is not
//! a success. `GRAPHQL_QUERY` overrides the query.
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
//!   API_URL=http://127.0.0.1:3000/graphql \
//!   cargo run -p cognate-client --example graphql_id_token
//! ```
//!
//! Against AWS: the same command without `COGNATE_ENDPOINT`, with your pool, app client, login
//! and the GraphQL endpoint (for AppSync, `https://….appsync-api.REGION.amazonaws.com/graphql`).

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
    let tokens = source.tokens().await?;
    let claims = tokens.id_token().claims();
    eprintln!(
        "logged in as {}: companyId {}, teamId {}",
        tokens.username().unwrap_or("?"),
        claims.custom("companyId").unwrap_or("-"),
        claims.custom("teamId").unwrap_or("-"),
    );

    // authorization: <ID token>
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(Authenticator::new(source, HeaderStyle::GraphQlId))
        .build();
    let query = std::env::var("GRAPHQL_QUERY")
        .unwrap_or_else(|_| "query { me { username companyId teamId } }".into());
    let answer = http
        .post(env("API_URL")?)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::json!({ "query": query }).to_string())
        .send()
        .await?;
    let status = answer.status();
    println!("{status}");
    println!("{}", answer.text().await?);
    if !status.is_success() {
        return Err(format!("the API answered {status}").into());
    }
    Ok(())
}
