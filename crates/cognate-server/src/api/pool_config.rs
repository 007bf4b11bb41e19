//! Pool and account configuration that cognate stores and answers as modeled rather than acts
//! on (`services::config_docs`): log delivery, provisioned API limits, point-in-time recovery,
//! replicas, and Client ID Metadata Document (CIMD) policies.
//!
//! Where an operation would need something a local server does not have, it says so with one
//! of the operation's modeled answers rather than pretending: cognate keeps no history, so a
//! point-in-time recovery's preview fails (`PREVIEW_GENERATION_FAILED`) and cannot be started;
//! cognate fetches no client metadata documents, so a CIMD policy has no cached URLs.

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{page, reply_whole_seconds, timestamp};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::config_docs::{self as docs, ACCOUNT, Collection};

const ONE: &str = "config";

/// GetLogDeliveryConfiguration: the stored one, or none configured.
pub(crate) fn get_log_delivery(
    ctx: &Ctx,
    req: t::GetLogDeliveryConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let config = docs::get(ctx, &pool.id, Collection::LogDelivery, ONE)?.unwrap_or(
        t::LogDeliveryConfigurationType {
            user_pool_id: pool.id.clone(),
            log_configurations: Vec::new(),
        },
    );
    reply_whole_seconds(&t::GetLogDeliveryConfigurationResponse {
        log_delivery_configuration: Some(config),
    })
}

/// SetLogDeliveryConfiguration: each configuration names one destination, one per source.
pub(crate) fn set_log_delivery(
    ctx: &Ctx,
    req: t::SetLogDeliveryConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut sources = Vec::new();
    for c in &req.log_configurations {
        let destinations = [
            c.cloud_watch_logs_configuration.is_some(),
            c.s3_configuration.is_some(),
            c.firehose_configuration.is_some(),
        ];
        if destinations.iter().filter(|d| **d).count() != 1 {
            return Err(ApiError::invalid(
                "Each log configuration must have exactly one destination: CloudWatchLogsConfiguration, S3Configuration or FirehoseConfiguration.",
            ));
        }
        if sources.contains(&c.event_source) {
            return Err(ApiError::invalid(format!(
                "Duplicate log configuration for event source {}.",
                c.event_source.as_str()
            )));
        }
        sources.push(c.event_source);
    }
    let config = t::LogDeliveryConfigurationType {
        user_pool_id: pool.id.clone(),
        log_configurations: req.log_configurations,
    };
    docs::put(ctx, &pool.id, Collection::LogDelivery, ONE, &config)?;
    reply_whole_seconds(&t::SetLogDeliveryConfigurationResponse {
        log_delivery_configuration: Some(config),
    })
}

/// The free rate (requests per second) of each API category, as Cognito's quotas.
const FREE_LIMITS: &[(&str, i32)] = &[
    ("UserAuthentication", 120),
    ("UserCreation", 50),
    ("UserFederation", 25),
    ("UserAccountRecovery", 30),
    ("UserRead", 120),
    ("UserList", 30),
    ("UserToken", 120),
    ("UserUpdate", 25),
    ("UserResourceRead", 50),
    ("UserResourceUpdate", 25),
    ("UserPoolRead", 50),
    ("UserPoolUpdate", 25),
    ("UserPoolResourceRead", 50),
    ("UserPoolResourceUpdate", 25),
    ("UserPoolClientRead", 50),
    ("UserPoolClientUpdate", 25),
    ("ClientAuthentication", 150),
];

fn limit_of(def: &t::LimitDefinitionType) -> Result<(String, i32), ApiError> {
    let category = def
        .attributes
        .get("Category")
        .ok_or_else(|| ApiError::invalid("LimitDefinition.Attributes must name a Category."))?;
    let free = FREE_LIMITS
        .iter()
        .find(|(c, _)| c == category)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            ApiError::new(
                E::ResourceNotFoundException,
                format!("No limit for API category {category}."),
            )
        })?;
    Ok((category.clone(), free))
}

/// GetProvisionedLimit (account-wide).
pub(crate) fn get_limit(ctx: &Ctx, req: t::GetProvisionedLimitRequest) -> Result<Value, ApiError> {
    let (category, free) = limit_of(&req.limit_definition)?;
    let limit = docs::get(ctx, ACCOUNT, Collection::Limit, &category)?.unwrap_or(t::LimitType {
        limit_definition: req.limit_definition,
        provisioned_limit_value: free,
        free_limit_value: free,
    });
    reply_whole_seconds(&t::GetProvisionedLimitResponse { limit })
}

/// UpdateProvisionedLimit: never below the free rate.
pub(crate) fn update_limit(
    ctx: &Ctx,
    req: t::UpdateProvisionedLimitRequest,
) -> Result<Value, ApiError> {
    let (category, free) = limit_of(&req.limit_definition)?;
    if req.requested_limit_value < free {
        return Err(ApiError::invalid(format!(
            "RequestedLimitValue {} is below the free limit {free} of {category}.",
            req.requested_limit_value
        )));
    }
    let limit = t::LimitType {
        limit_definition: req.limit_definition,
        provisioned_limit_value: req.requested_limit_value,
        free_limit_value: free,
    };
    docs::put(ctx, ACCOUNT, Collection::Limit, &category, &limit)?;
    reply_whole_seconds(&t::UpdateProvisionedLimitResponse { limit })
}

fn load_restoration(ctx: &Ctx, pool_id: &str, id: &str) -> Result<t::RestorationType, ApiError> {
    docs::get(ctx, pool_id, Collection::Restoration, id)?.ok_or_else(|| {
        ApiError::new(
            E::ResourceNotFoundException,
            format!("Recovery {id} does not exist."),
        )
    })
}

fn restoration_answer(r: t::RestorationType) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::DescribePointInTimeRecoveryResponse {
        restoration: Some(r),
    })
}

/// InitiatePointInTimeRecovery: recorded; its preview fails, as cognate keeps no history.
pub(crate) fn initiate_recovery(
    ctx: &Ctx,
    req: t::InitiatePointInTimeRecoveryRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let now = ctx.now();
    // Whole seconds on this side: a time within the current second is not in the future.
    if req.restore_timestamp.floor() > now as f64
        || req.restore_timestamp.floor() < pool.created as f64
    {
        return Err(ApiError::invalid(
            "RestoreTimestamp must be in the past and after the user pool was created.",
        ));
    }
    let id = docs::new_id();
    let r = t::RestorationType {
        restore_id: Some(id.clone()),
        restore_status: Some(t::RestoreStatusType::PreviewGenerationFailed),
        restore_timestamp: Some(req.restore_timestamp),
        trigger_timestamp: Some(timestamp(now)),
        restore_preview: None,
    };
    docs::put(ctx, &pool.id, Collection::Restoration, &id, &r)?;
    restoration_answer(r)
}

/// DescribePointInTimeRecovery.
pub(crate) fn describe_recovery(
    ctx: &Ctx,
    req: t::DescribePointInTimeRecoveryRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    restoration_answer(load_restoration(ctx, &pool.id, &req.restore_id)?)
}

/// StartPointInTimeRecovery: only a recovery whose preview was generated can start, and none
/// is here.
pub(crate) fn start_recovery(
    ctx: &Ctx,
    req: t::StartPointInTimeRecoveryRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let r = load_restoration(ctx, &pool.id, &req.restore_id)?;
    Err(ApiError::invalid(format!(
        "Recovery {} cannot be started: its status is {}, not PREVIEW_GENERATED (cognate serve keeps no history to recover from).",
        req.restore_id,
        r.restore_status
            .map_or("unknown", t::RestoreStatusType::as_str)
    )))
}

/// CancelPointInTimeRecovery: a recovery not started is cancelled.
pub(crate) fn cancel_recovery(
    ctx: &Ctx,
    req: t::CancelPointInTimeRecoveryRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut r = load_restoration(ctx, &pool.id, &req.restore_id)?;
    use t::RestoreStatusType as S;
    match r.restore_status {
        Some(S::Restoring | S::RestoreCompleted) => {
            return Err(ApiError::invalid(
                "A recovery cannot be cancelled once it started.",
            ));
        }
        _ => r.restore_status = Some(S::PreviewCancelled),
    }
    docs::put(ctx, &pool.id, Collection::Restoration, &req.restore_id, &r)?;
    restoration_answer(r)
}

/// ListPointInTimeRecoveries.
pub(crate) fn list_recoveries(
    ctx: &Ctx,
    req: t::ListPointInTimeRecoveriesRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let all = docs::list::<t::RestorationType>(ctx, &pool.id, Collection::Restoration)?
        .into_iter()
        .map(|(_, r)| t::RestorationDescriptionType {
            restore_id: r.restore_id,
            restore_status: r.restore_status,
            restore_timestamp: r.restore_timestamp,
        })
        .collect();
    let (items, next_token) = page(all, req.max_results, req.next_token.as_deref())?;
    reply_whole_seconds(&t::ListPointInTimeRecoveriesResponse {
        restorations: Some(items),
        next_token,
    })
}

fn pool_arn(region: &str, pool_id: &str) -> String {
    format!("arn:aws:cognito-idp:{region}:000000000000:userpool/{pool_id}")
}

fn replica_answer(r: t::UserPoolReplicaType) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::CreateUserPoolReplicaResponse {
        user_pool_replica: Some(r),
    })
}

fn load_replica(
    ctx: &Ctx,
    pool_id: &str,
    region: &str,
) -> Result<t::UserPoolReplicaType, ApiError> {
    docs::get(ctx, pool_id, Collection::Replica, region)?.ok_or_else(|| {
        ApiError::new(
            E::ResourceNotFoundException,
            format!("User pool {pool_id} has no replica in {region}."),
        )
    })
}

/// CreateUserPoolReplica: a secondary in another region.
pub(crate) fn create_replica(
    ctx: &Ctx,
    req: t::CreateUserPoolReplicaRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    if req.region_name == pool.region {
        return Err(ApiError::invalid(format!(
            "The user pool is in {}: a replica must be in another region.",
            pool.region
        )));
    }
    if docs::get::<t::UserPoolReplicaType>(ctx, &pool.id, Collection::Replica, &req.region_name)?
        .is_some()
    {
        return Err(ApiError::invalid(format!(
            "The user pool already has a replica in {}.",
            req.region_name
        )));
    }
    let r = t::UserPoolReplicaType {
        region_name: Some(req.region_name.clone()),
        status: Some(t::ReplicaStatusType::Active),
        role: Some(t::ReplicaRoleType::Secondary),
        user_pool_arn: Some(pool_arn(&req.region_name, &pool.id)),
    };
    docs::put(ctx, &pool.id, Collection::Replica, &req.region_name, &r)?;
    replica_answer(r)
}

/// UpdateUserPoolReplica: activates or deactivates a replica.
pub(crate) fn update_replica(
    ctx: &Ctx,
    req: t::UpdateUserPoolReplicaRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut r = load_replica(ctx, &pool.id, &req.region_name)?;
    r.status = Some(match req.status {
        t::UpdateReplicaStatusType::Active => t::ReplicaStatusType::Active,
        t::UpdateReplicaStatusType::Inactive => t::ReplicaStatusType::Inactive,
    });
    docs::put(ctx, &pool.id, Collection::Replica, &req.region_name, &r)?;
    replica_answer(r)
}

/// DeleteUserPoolReplica: answered `DELETING`, gone from then on.
pub(crate) fn delete_replica(
    ctx: &Ctx,
    req: t::DeleteUserPoolReplicaRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut r = load_replica(ctx, &pool.id, &req.region_name)?;
    docs::delete(ctx, &pool.id, Collection::Replica, &req.region_name)?;
    r.status = Some(t::ReplicaStatusType::Deleting);
    replica_answer(r)
}

/// ListUserPoolReplicas: the primary, then the replicas.
pub(crate) fn list_replicas(
    ctx: &Ctx,
    req: t::ListUserPoolReplicasRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut all = vec![t::UserPoolReplicaType {
        region_name: Some(pool.region.clone()),
        status: Some(t::ReplicaStatusType::Active),
        role: Some(t::ReplicaRoleType::Primary),
        user_pool_arn: Some(pool_arn(&pool.region, &pool.id)),
    }];
    all.extend(
        docs::list::<t::UserPoolReplicaType>(ctx, &pool.id, Collection::Replica)?
            .into_iter()
            .map(|(_, r)| r),
    );
    let (items, next_token) = page(all, None, req.next_token.as_deref())?;
    reply_whole_seconds(&t::ListUserPoolReplicasResponse {
        user_pool_replicas: Some(items),
        next_token,
    })
}

fn load_cimd(ctx: &Ctx, pool_id: &str, id: &str) -> Result<t::CIMDPolicyType, ApiError> {
    docs::get(ctx, pool_id, Collection::CimdPolicy, id)?.ok_or_else(|| {
        ApiError::new(
            E::ResourceNotFoundException,
            format!("CIMD policy {id} does not exist."),
        )
    })
}

fn cimd_answer(p: t::CIMDPolicyType) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::DescribeCIMDPolicyResponse { cimd_policy: p })
}

/// CreateCIMDPolicy.
pub(crate) fn create_cimd(ctx: &Ctx, req: t::CreateCIMDPolicyRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    // The model's CIMDPolicyIdType: lowercase letters and digits.
    let id = docs::new_id().replace('-', "");
    let now = timestamp(ctx.now());
    let p = t::CIMDPolicyType {
        cimd_policy_id: id.clone(),
        user_pool_id: pool.id.clone(),
        client_id: Some(client.id),
        policy_name: req.policy_name,
        cache_duration: req.cache_duration,
        url_patterns: Some(req.url_patterns),
        creation_date: Some(now),
        last_modified_date: Some(now),
    };
    docs::put(ctx, &pool.id, Collection::CimdPolicy, &id, &p)?;
    cimd_answer(p)
}

/// DescribeCIMDPolicy.
pub(crate) fn describe_cimd(
    ctx: &Ctx,
    req: t::DescribeCIMDPolicyRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    cimd_answer(load_cimd(ctx, &pool.id, &req.cimd_policy_id)?)
}

/// UpdateCIMDPolicy.
pub(crate) fn update_cimd(ctx: &Ctx, req: t::UpdateCIMDPolicyRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    let mut p = load_cimd(ctx, &pool.id, &req.cimd_policy_id)?;
    p.client_id = Some(client.id);
    if let Some(name) = req.policy_name {
        p.policy_name = name;
    }
    if req.cache_duration.is_some() {
        p.cache_duration = req.cache_duration;
    }
    p.url_patterns = Some(req.url_patterns);
    p.last_modified_date = Some(timestamp(ctx.now()));
    docs::put(
        ctx,
        &pool.id,
        Collection::CimdPolicy,
        &req.cimd_policy_id,
        &p,
    )?;
    cimd_answer(p)
}

/// DeleteCIMDPolicy.
pub(crate) fn delete_cimd(ctx: &Ctx, req: t::DeleteCIMDPolicyRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    load_cimd(ctx, &pool.id, &req.cimd_policy_id)?;
    docs::delete(ctx, &pool.id, Collection::CimdPolicy, &req.cimd_policy_id)?;
    Ok(json!({}))
}

/// ListCIMDPolicies.
pub(crate) fn list_cimd(ctx: &Ctx, req: t::ListCIMDPoliciesRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let all = docs::list::<t::CIMDPolicyType>(ctx, &pool.id, Collection::CimdPolicy)?
        .into_iter()
        .map(|(_, p)| t::CIMDPolicySummaryType {
            cimd_policy_id: p.cimd_policy_id,
            client_id: p.client_id,
            policy_name: p.policy_name,
            cache_duration: p.cache_duration,
            creation_date: p.creation_date,
            last_modified_date: p.last_modified_date,
        })
        .collect();
    let (items, next_token) = page(all, req.max_results, req.next_token.as_deref())?;
    reply_whole_seconds(&t::ListCIMDPoliciesResponse {
        cimd_policies: items,
        next_token,
    })
}

/// ListClientMetadataURLs: cognate fetches no metadata documents, so none is cached.
pub(crate) fn list_cimd_urls(
    ctx: &Ctx,
    req: t::ListClientMetadataURLsRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    load_cimd(ctx, &pool.id, &req.cimd_policy_id)?;
    reply_whole_seconds(&t::ListClientMetadataURLsResponse {
        client_metadata_ur_ls: Vec::new(),
        next_token: None,
    })
}

/// UpdateClientMetadataURLState: there is no cached URL to refresh or invalidate.
pub(crate) fn update_cimd_url(
    ctx: &Ctx,
    req: t::UpdateClientMetadataURLStateRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    load_cimd(ctx, &pool.id, &req.cimd_policy_id)?;
    Err(ApiError::new(
        E::CachedCIMDURLDoesNotExistException,
        format!(
            "URL {} is not cached for CIMD policy {}.",
            req.url, req.cimd_policy_id
        ),
    ))
}
