//! The official Rust SDK (aws-sdk-cognitoidentityprovider 1.144) against the operations of
//! issue 14 that it has: AddCustomAttributes, tags, client-secret rotation, auth events,
//! terms, managed-login branding, user import jobs, SetUserSettings / AdminSetUserSettings and
//! DeleteUser — each answer parsed by the SDK, each error by its code and message.

#![allow(clippy::unwrap_used)]

mod common;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::{Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AdvancedSecurityModeType, AttributeDataType, AuthFlowType, DeliveryMediumType,
    EventResponseType, ExplicitAuthFlowsType, MfaOptionType, SchemaAttributeType,
    TermsEnforcementType, TermsSourceType, UserImportJobStatusType, UserPoolAddOnsType,
};
use cognate_server::Server;

const PASSWORD: &str = "Correct horse 1!";

fn code<E: ProvideErrorMetadata, R: std::fmt::Debug>(r: Result<R, E>) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (
            e.code().unwrap_or_default().to_owned(),
            e.message().unwrap_or_default().to_owned(),
        ),
    }
}

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    cognate_srp::secret_hash(secret, username, client_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_sdk_drives_the_new_operations() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .build();
    let sdk = Client::from_conf(conf);

    let pool = sdk
        .create_user_pool()
        .pool_name("sdk-ops")
        .user_pool_add_ons(
            UserPoolAddOnsType::builder()
                .advanced_security_mode(AdvancedSecurityModeType::Audit)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let pool_id = pool.id().unwrap().to_owned();
    let arn = pool.arn().unwrap().to_owned();
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("conf")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let client_id = client.client_id().unwrap().to_owned();
    let first = client.client_secret().unwrap().to_owned();
    for name in ["alice", "leaver"] {
        sdk.admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        sdk.admin_set_user_password()
            .user_pool_id(&pool_id)
            .username(name)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }

    // AddCustomAttributes
    sdk.add_custom_attributes()
        .user_pool_id(&pool_id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let again = sdk
        .add_custom_attributes()
        .user_pool_id(&pool_id)
        .custom_attributes(SchemaAttributeType::builder().name("tier").build())
        .send()
        .await;
    assert_eq!(
        code(again),
        (
            "InvalidParameterException".into(),
            "Existing attribute already has name custom:tier.".into()
        )
    );

    // Tags
    sdk.tag_resource()
        .resource_arn(&arn)
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    let tags = sdk
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().get("env").map(String::as_str),
        Some("dev")
    );
    sdk.untag_resource()
        .resource_arn(&arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let gone = sdk
        .list_tags_for_resource()
        .resource_arn("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_NoSuchPool")
        .send()
        .await;
    assert_eq!(code(gone).0, "ResourceNotFoundException");

    // Client-secret rotation: both secrets valid for SECRET_HASH.
    let added = sdk
        .add_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .client_secret_descriptor
        .unwrap();
    let second = added.client_secret_value().unwrap().to_owned();
    for secret in [&first, &second] {
        sdk.initiate_auth()
            .client_id(&client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", secret_hash(secret, "alice", &client_id))
            .send()
            .await
            .unwrap();
    }
    let listed = sdk
        .list_user_pool_client_secrets()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.client_secrets().len(), 2);
    assert!(
        listed
            .client_secrets()
            .iter()
            .all(|s| s.client_secret_value().is_none())
    );
    for s in listed.client_secrets().iter().take(1) {
        sdk.delete_user_pool_client_secret()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .client_secret_id(s.client_secret_id().unwrap())
            .send()
            .await
            .unwrap();
    }
    let last = sdk
        .delete_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .client_secret_id(added.client_secret_id().unwrap())
        .send()
        .await;
    assert_eq!(code(last).0, "InvalidParameterException");

    // Auth events: the two passes above, then a failure.
    let wrong = sdk
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "Wrong horse 1!")
        .auth_parameters("SECRET_HASH", secret_hash(&second, "alice", &client_id))
        .send()
        .await;
    assert_eq!(code(wrong).0, "NotAuthorizedException");
    let events = sdk
        .admin_list_user_auth_events()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .unwrap();
    let outcomes: Vec<_> = events
        .auth_events()
        .iter()
        .map(|e| e.event_response().cloned())
        .collect();
    assert_eq!(
        outcomes,
        vec![
            Some(EventResponseType::Fail),
            Some(EventResponseType::Pass),
            Some(EventResponseType::Pass)
        ]
    );

    // Terms and branding.
    let terms = sdk
        .create_terms()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .terms_name("terms-of-use")
        .terms_source(TermsSourceType::Link)
        .enforcement(TermsEnforcementType::None)
        .links("cognito:default", "https://example.com/terms")
        .send()
        .await
        .unwrap()
        .terms
        .unwrap();
    let dup = sdk
        .create_terms()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .terms_name("terms-of-use")
        .terms_source(TermsSourceType::Link)
        .enforcement(TermsEnforcementType::None)
        .send()
        .await;
    assert_eq!(code(dup).0, "TermsExistsException");
    let listed = sdk
        .list_terms()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.terms()[0].terms_id(), terms.terms_id());
    let branding = sdk
        .create_managed_login_branding()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .use_cognito_provided_values(true)
        .send()
        .await
        .unwrap()
        .managed_login_branding
        .unwrap();
    let by_client = sdk
        .describe_managed_login_branding_by_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_client
            .managed_login_branding()
            .unwrap()
            .managed_login_branding_id(),
        branding.managed_login_branding_id()
    );

    // Import jobs.
    let job = sdk
        .create_user_import_job()
        .user_pool_id(&pool_id)
        .job_name("sdk")
        .cloud_watch_logs_role_arn("arn:aws:iam::123456789012:role/import")
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    assert_eq!(job.status(), Some(&UserImportJobStatusType::Created));
    let early = sdk
        .start_user_import_job()
        .user_pool_id(&pool_id)
        .job_id(job.job_id().unwrap())
        .send()
        .await;
    assert_eq!(code(early).0, "PreconditionNotMetException");
    let stopped = sdk
        .stop_user_import_job()
        .user_pool_id(&pool_id)
        .job_id(job.job_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        stopped.user_import_job().unwrap().status(),
        Some(&UserImportJobStatusType::Stopped)
    );

    // SetUserSettings and DeleteUser with an access token.
    let leaver = sdk
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "leaver")
        .auth_parameters("PASSWORD", PASSWORD)
        .auth_parameters("SECRET_HASH", secret_hash(&second, "leaver", &client_id))
        .send()
        .await
        .unwrap();
    let access = leaver
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap();
    let email_option = sdk
        .set_user_settings()
        .access_token(access)
        .mfa_options(
            MfaOptionType::builder()
                .delivery_medium(DeliveryMediumType::Email)
                .attribute_name("email")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(email_option).0, "InvalidParameterException");
    sdk.delete_user().access_token(access).send().await.unwrap();
    let deleted = sdk
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("leaver")
        .send()
        .await;
    assert_eq!(code(deleted).0, "UserNotFoundException");
    server.shutdown().await;
}
