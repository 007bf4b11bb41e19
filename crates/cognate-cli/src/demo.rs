//! `cognate demo`: what cognate does, on this machine, with no AWS account. Today: an SRP login
//! (`USER_SRP_AUTH`) computed by both halves of `cognate-srp`.

use anyhow::{Context, Result, bail};
use cognate_srp::{
    PasswordVerifierAnswer, PasswordVerifierChallenge, SrpClient, SrpServer, Timestamp, Verifier,
};

/// Runs `cognate demo`.
pub fn run() -> Result<()> {
    let mut rng = cognate_srp::os_rng();
    let pool_id = "us-east-1_AbC123xyZ";
    let pool = cognate_srp::pool_name(pool_id)?;
    let (user, password) = ("api-user", "Correct horse 1!");
    eprintln!("cognate demo — the SRP login of USER_SRP_AUTH, both halves on this machine");
    eprintln!("(the local Cognito, tokens and API calls join this demo as their issues land)");

    let verifier = Verifier::generate(&mut rng, pool, user, password)?;
    eprintln!("1. server stores a salt and verifier for {user} in {pool_id} (never the password)");

    let client = SrpClient::new(&mut rng)?;
    let srp_a = client.srp_a();
    eprintln!("2. client → InitiateAuth   SRP_A = {}…", &srp_a[..16]);

    let server = SrpServer::new(&mut rng, &verifier)?;
    let secret_block = b"demo secret block";
    let secret_block_b64 = "ZGVtbyBzZWNyZXQgYmxvY2s=";
    let srp_b = server.srp_b();
    eprintln!(
        "3. server → PASSWORD_VERIFIER   SRP_B = {}…  SALT = {}",
        &srp_b[..16],
        verifier.salt()
    );

    let challenge = PasswordVerifierChallenge {
        pool_name: pool,
        user_id_for_srp: user,
        srp_b: &srp_b,
        salt: &verifier.salt(),
        secret_block: secret_block_b64,
    };
    let claim = client.respond(&challenge, password, &Timestamp::now())?;
    eprintln!(
        "4. client → RespondToAuthChallenge   TIMESTAMP = {}  SIGNATURE = {}",
        claim.timestamp, claim.signature
    );

    let wrong = client.respond(&challenge, "wrong password", &Timestamp::now())?;
    let mut answer = PasswordVerifierAnswer {
        srp_a: &srp_a,
        pool_name: pool,
        user_id: user,
        secret_block,
        timestamp: &claim.timestamp,
        signature: &claim.signature,
    };
    server
        .check(&verifier, &answer)
        .context("the server refused the right password")?;
    eprintln!("5. server checks the signature: accepted");

    answer.timestamp = &wrong.timestamp;
    answer.signature = &wrong.signature;
    match server.check(&verifier, &answer) {
        Err(cognate_srp::Error::SignatureMismatch) => {
            eprintln!(
                "6. the same exchange with a wrong password: refused (NotAuthorizedException)"
            )
        }
        other => bail!("a wrong password was not refused: {other:?}"),
    }
    eprintln!("done: the password never crossed the wire, and only its verifier was stored.");
    Ok(())
}
