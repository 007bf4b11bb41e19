//! User import jobs (`services::imports`): GetCSVHeader, CreateUserImportJob,
//! StartUserImportJob, DescribeUserImportJob, ListUserImportJobs, StopUserImportJob.

use cognate_model::idp::types as t;
use serde_json::Value;

use super::{page, reply_whole_seconds};
use crate::error::ApiError;
use crate::services::{Ctx, imports};

fn job_answer(job: t::UserImportJobType) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::DescribeUserImportJobResponse {
        user_import_job: Some(job),
    })
}

/// GetCSVHeader.
pub(crate) fn csv_header(ctx: &Ctx, req: t::GetCSVHeaderRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    reply_whole_seconds(&t::GetCSVHeaderResponse {
        csv_header: Some(imports::header(&pool)),
        user_pool_id: Some(pool.id),
    })
}

/// CreateUserImportJob.
pub(crate) fn create(ctx: &Ctx, req: t::CreateUserImportJobRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    job_answer(imports::create(
        ctx,
        &pool,
        req.job_name,
        req.cloud_watch_logs_role_arn,
        req.password_hashing_algorithm,
    )?)
}

/// StartUserImportJob.
pub(crate) fn start(ctx: &Ctx, req: t::StartUserImportJobRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    job_answer(imports::start(ctx, &pool, &req.job_id)?)
}

/// DescribeUserImportJob.
pub(crate) fn describe(ctx: &Ctx, req: t::DescribeUserImportJobRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    job_answer(imports::load(ctx, &pool.id, &req.job_id)?.job)
}

/// ListUserImportJobs.
pub(crate) fn list(ctx: &Ctx, req: t::ListUserImportJobsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let (jobs, pagination_token) = page(
        imports::list(ctx, &pool.id)?,
        Some(req.max_results),
        req.pagination_token.as_deref(),
    )?;
    reply_whole_seconds(&t::ListUserImportJobsResponse {
        user_import_jobs: Some(jobs),
        pagination_token,
    })
}

/// StopUserImportJob.
pub(crate) fn stop(ctx: &Ctx, req: t::StopUserImportJobRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    job_answer(imports::stop(ctx, &pool, &req.job_id)?)
}
