//! The dispatch table of the operations added by the account, schema, secret-rotation,
//! session, threat-protection, import and configuration areas (`self_service`, `schema_tags`,
//! `client_secrets`, `sessions`, `risk`, `imports`, `branding`, `pool_config`), kept apart from the
//! table in `api/mod.rs` so that areas can be added without touching each other's lines.

use cognate_model::idp::Operation as O;
use serde_json::{Map, Value};

use super::{
    branding, client_secrets, imports, pool_config, risk, schema_tags, self_service, sessions,
    typed,
};
use crate::error::ApiError;
use crate::services::Ctx;

/// The operation's typed request (a defect of cognate if it does not deserialize: `typed`).
macro_rules! req {
    ($body:expr) => {
        match typed($body) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        }
    };
}

/// Runs `op` if it is one of these areas'; `None` otherwise.
pub(crate) fn call(ctx: &Ctx, op: O, body: &Map<String, Value>) -> Option<Result<Value, ApiError>> {
    Some(match op {
        O::DeleteUser => self_service::delete_user(ctx, req!(body)),
        O::DeleteUserAttributes => self_service::delete_user_attributes(ctx, req!(body)),
        O::AdminDeleteSoftwareToken => self_service::admin_delete_software_token(ctx, req!(body)),
        O::SetUserSettings => self_service::set_user_settings(ctx, req!(body)),
        O::AdminSetUserSettings => self_service::admin_set_user_settings(ctx, req!(body)),
        O::AddCustomAttributes => schema_tags::add_custom_attributes(ctx, req!(body)),
        O::GetSigningCertificate => schema_tags::get_signing_certificate(ctx, req!(body)),
        O::TagResource => {
            let req: cognate_model::idp::types::TagResourceRequest = req!(body);
            schema_tags::tag(ctx, &req.resource_arn, &req.tags)
        }
        O::UntagResource => {
            let req: cognate_model::idp::types::UntagResourceRequest = req!(body);
            schema_tags::untag(ctx, &req.resource_arn, &req.tag_keys)
        }
        O::ListTagsForResource => {
            let req: cognate_model::idp::types::ListTagsForResourceRequest = req!(body);
            schema_tags::list_tags(ctx, &req.resource_arn)
        }
        O::AddUserPoolClientSecret => client_secrets::add(ctx, req!(body)),
        O::ListUserPoolClientSecrets => client_secrets::list(ctx, req!(body)),
        O::DeleteUserPoolClientSecret => client_secrets::delete(ctx, req!(body)),
        O::GetClientToken => client_secrets::client_token(ctx, req!(body)),
        O::GetDerivedToken => client_secrets::derived_token(ctx, req!(body)),
        O::ListUserSessions => sessions::list(ctx, req!(body)),
        O::AdminListUserSessions => sessions::admin_list(ctx, req!(body)),
        O::RevokeUserSession => sessions::revoke(ctx, req!(body)),
        O::AdminRevokeUserSession => sessions::admin_revoke(ctx, req!(body)),
        O::GetUserPoolSessionConfiguration => sessions::get_config(ctx, req!(body)),
        O::SetUserPoolSessionConfiguration => sessions::set_config(ctx, req!(body)),
        O::GetUserPoolClientSessionConfiguration => sessions::get_client_config(ctx, req!(body)),
        O::SetUserPoolClientSessionConfiguration => sessions::set_client_config(ctx, req!(body)),
        O::DescribeRiskConfiguration => risk::describe(ctx, req!(body)),
        O::SetRiskConfiguration => risk::set(ctx, req!(body)),
        O::AdminListUserAuthEvents => risk::list_events(ctx, req!(body)),
        O::AdminUpdateAuthEventFeedback => risk::admin_feedback(ctx, req!(body)),
        O::UpdateAuthEventFeedback => risk::feedback(ctx, req!(body)),
        O::GetUICustomization => branding::get_ui(ctx, req!(body)),
        O::SetUICustomization => branding::set_ui(ctx, req!(body)),
        O::CreateManagedLoginBranding => branding::create_branding(ctx, req!(body)),
        O::DescribeManagedLoginBranding => branding::describe_branding(ctx, req!(body)),
        O::DescribeManagedLoginBrandingByClient => {
            branding::describe_branding_by_client(ctx, req!(body))
        }
        O::UpdateManagedLoginBranding => branding::update_branding(ctx, req!(body)),
        O::DeleteManagedLoginBranding => branding::delete_branding(ctx, req!(body)),
        O::CreateTerms => branding::create_terms(ctx, req!(body)),
        O::DescribeTerms => branding::describe_terms(ctx, req!(body)),
        O::DescribeTermsByClient => branding::describe_terms_by_client(ctx, req!(body)),
        O::UpdateTerms => branding::update_terms(ctx, req!(body)),
        O::DeleteTerms => branding::delete_terms(ctx, req!(body)),
        O::ListTerms => branding::list_terms(ctx, req!(body)),
        O::GetLogDeliveryConfiguration => pool_config::get_log_delivery(ctx, req!(body)),
        O::SetLogDeliveryConfiguration => pool_config::set_log_delivery(ctx, req!(body)),
        O::GetProvisionedLimit => pool_config::get_limit(ctx, req!(body)),
        O::UpdateProvisionedLimit => pool_config::update_limit(ctx, req!(body)),
        O::InitiatePointInTimeRecovery => pool_config::initiate_recovery(ctx, req!(body)),
        O::DescribePointInTimeRecovery => pool_config::describe_recovery(ctx, req!(body)),
        O::StartPointInTimeRecovery => pool_config::start_recovery(ctx, req!(body)),
        O::CancelPointInTimeRecovery => pool_config::cancel_recovery(ctx, req!(body)),
        O::ListPointInTimeRecoveries => pool_config::list_recoveries(ctx, req!(body)),
        O::CreateUserPoolReplica => pool_config::create_replica(ctx, req!(body)),
        O::UpdateUserPoolReplica => pool_config::update_replica(ctx, req!(body)),
        O::DeleteUserPoolReplica => pool_config::delete_replica(ctx, req!(body)),
        O::ListUserPoolReplicas => pool_config::list_replicas(ctx, req!(body)),
        O::CreateCIMDPolicy => pool_config::create_cimd(ctx, req!(body)),
        O::DescribeCIMDPolicy => pool_config::describe_cimd(ctx, req!(body)),
        O::UpdateCIMDPolicy => pool_config::update_cimd(ctx, req!(body)),
        O::DeleteCIMDPolicy => pool_config::delete_cimd(ctx, req!(body)),
        O::ListCIMDPolicies => pool_config::list_cimd(ctx, req!(body)),
        O::ListClientMetadataURLs => pool_config::list_cimd_urls(ctx, req!(body)),
        O::UpdateClientMetadataURLState => pool_config::update_cimd_url(ctx, req!(body)),
        O::GetCSVHeader => imports::csv_header(ctx, req!(body)),
        O::CreateUserImportJob => imports::create(ctx, req!(body)),
        O::StartUserImportJob => imports::start(ctx, req!(body)),
        O::DescribeUserImportJob => imports::describe(ctx, req!(body)),
        O::ListUserImportJobs => imports::list(ctx, req!(body)),
        O::StopUserImportJob => imports::stop(ctx, req!(body)),
        _ => return None,
    })
}
