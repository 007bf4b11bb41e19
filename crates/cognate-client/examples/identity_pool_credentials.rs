//! Identity pools (seed 002): sign in to the user pool, then trade the ID token for temporary
//! AWS credentials through an identity pool (`GetId`, then `GetCredentialsForIdentity` with
//! `Logins = { "cognito-idp.REGION.amazonaws.com/POOL_ID": <ID token> }`).
//!
//! [`IdentityPoolCredentials`] caches the credentials until shortly before they expire and
//! is an `aws-credential-types` `ProvideCredentials`, so any AWS SDK client can use it
//! (`aws_sdk_s3::Config::builder().credentials_provider(aws.clone())`). Prints the identity id,
//! the access key id and the expiry; never the secret key or the session token.
//!
//! Against `cognate serve`, from the repository root: start it in one terminal, then create an
//! identity pool with an authenticated role (any AWS CLI; the id is generated) in another:
//!
//! ```sh
//! cargo run -p cognate-cli -- serve --in-memory --seed examples/seed.toml
//! aws() { .interop/venv/bin/aws --no-sign-request --endpoint-url http://127.0.0.1:9229 \
//!   --region us-east-1 --output text "$@"; }
//! POOL=$(aws cognito-identity create-identity-pool --identity-pool-name examples \
//!   --no-allow-unauthenticated-identities --query IdentityPoolId --cognito-identity-providers \
//!   ProviderName=cognito-idp.us-east-1.amazonaws.com/us-east-1_Examples1,ClientId=exampleapiusers00000000000)
//! aws cognito-identity set-identity-pool-roles --identity-pool-id "$POOL" \
//!   --roles authenticated=arn:aws:iam::000000000000:role/examples
//! COGNATE_ENDPOINT=http://127.0.0.1:9229 COGNATE_USER_POOL_ID=us-east-1_Examples1 \
//!   COGNATE_CLIENT_ID=exampleapiusers00000000000 \
//!   COGNATE_USERNAME=api-user COGNATE_PASSWORD='Correct horse 1!' \
//!   COGNATE_IDENTITY_POOL_ID="$POOL" \
//!   cargo run -p cognate-client --example identity_pool_credentials
//! ```
//!
//! Against AWS: the same command without `COGNATE_ENDPOINT`, with your user pool, app client,
//! login and identity pool id (the identity pool calls are unsigned too).

use cognate_client::{Client, Credentials, IdentityPoolCredentials, TokenSource};

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // COGNATE_ENDPOINT (or AWS_ENDPOINT_URL_COGNITO_IDENTITY for the identity pool calls) when
    // set, else AWS.
    let client =
        Client::builder(env("COGNATE_USER_POOL_ID")?, env("COGNATE_CLIENT_ID")?).build()?;
    let credentials = Credentials::new(env("COGNATE_USERNAME")?, env("COGNATE_PASSWORD")?);
    let source = TokenSource::builder(client)
        .credentials(credentials)
        .build();

    let aws = IdentityPoolCredentials::builder(env("COGNATE_IDENTITY_POOL_ID")?, source).build()?;
    let creds = aws.credentials().await?; // logs in, GetId, GetCredentialsForIdentity
    println!("identity id:   {}", aws.identity_id().await?);
    println!("access key id: {}", creds.access_key_id());
    println!(
        "session token: {}",
        if creds.session_token().is_some() {
            "yes"
        } else {
            "no"
        }
    );
    if let Some(expiry) = creds.expiry() {
        let secs = expiry.duration_since(std::time::UNIX_EPOCH)?.as_secs();
        println!("expires:       {secs} (Unix time)");
    }
    Ok(())
}
