//! User pool groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.
//! The records, memberships and token claims are [`crate::services::groups`]'s; this module
//! translates the typed requests and renders the answers. Names, lengths, patterns and ranges
//! (`GroupName`, `Description`, `RoleArn`, `Precedence`, `Limit`) are the model's, checked by the
//! wire layer before a handler runs.

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{reply, reply_whole_seconds, timestamp, user_type};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::groups::{self, Group, GroupChange, decode, get_group, groups_of};

/// Highest `Limit` of the list operations.
const MAX_LIMIT: i32 = 60;

/// The `GroupType` shape. Its dates have always been sent as floating-point epoch seconds
/// (`1700000000.0`, as AWS sends them), which is how the model's `Timestamp` serializes: the
/// answers carrying groups use [`reply`], not [`reply_whole_seconds`].
fn render(pool_id: &str, g: &Group) -> t::GroupType {
    t::GroupType {
        creation_date: Some(timestamp(g.created)),
        description: g.description.clone(),
        group_name: Some(g.name.clone()),
        last_modified_date: Some(timestamp(g.modified)),
        // Stored from an i32 the model had checked (0 or more).
        precedence: g.precedence.and_then(|p| i32::try_from(p).ok()),
        role_arn: g.role_arn.clone(),
        user_pool_id: Some(pool_id.to_owned()),
    }
}

/// `Limit` (0 or absent: 60; the model allows 0 to 60) and the offset of `NextToken`.
fn page(limit: Option<i32>, next_token: Option<&str>) -> Result<(usize, usize), ApiError> {
    let limit = match limit {
        None | Some(0) => MAX_LIMIT,
        Some(n) => n,
    };
    let offset = super::parse_offset(next_token)?;
    Ok((
        usize::try_from(limit).unwrap_or(60),
        usize::try_from(offset).unwrap_or(usize::MAX),
    ))
}

/// One page of `items`, and the `NextToken` when more follow.
fn paged<T>(items: Vec<T>, limit: usize, offset: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = offset.saturating_add(limit);
    (
        page,
        (next < total).then(|| super::offset_token(next as u64)),
    )
}

fn change(
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i32>,
) -> GroupChange {
    GroupChange {
        description,
        role_arn,
        precedence,
    }
}

pub(crate) fn create(ctx: &Ctx, req: t::CreateGroupRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let group = groups::create(
        ctx,
        &pool.id,
        &req.group_name,
        change(req.description, req.role_arn, req.precedence),
    )?;
    reply(&t::CreateGroupResponse {
        group: Some(render(&pool.id, &group)),
    })
}

pub(crate) fn get(ctx: &Ctx, req: t::GetGroupRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let group = get_group(ctx, &pool.id, &req.group_name)?;
    reply(&t::GetGroupResponse {
        group: Some(render(&pool.id, &group)),
    })
}

pub(crate) fn list(ctx: &Ctx, req: t::ListGroupsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let (limit, offset) = page(req.limit, req.next_token.as_deref())?;
    let groups: Vec<t::GroupType> = ctx
        .store
        .doc_list(groups::GROUP, &pool.id)?
        .into_iter()
        .map(|(_, v)| decode::<Group>(v).map(|g| render(&pool.id, &g)))
        .collect::<Result<_, _>>()?;
    let (groups, next_token) = paged(groups, limit, offset);
    reply(&t::ListGroupsResponse {
        groups: Some(groups),
        next_token,
    })
}

pub(crate) fn update(ctx: &Ctx, req: t::UpdateGroupRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let group = groups::update(
        ctx,
        &pool.id,
        &req.group_name,
        change(req.description, req.role_arn, req.precedence),
    )?;
    reply(&t::UpdateGroupResponse {
        group: Some(render(&pool.id, &group)),
    })
}

pub(crate) fn delete(ctx: &Ctx, req: t::DeleteGroupRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    groups::delete(ctx, &pool.id, &req.group_name)?;
    Ok(json!({}))
}

pub(crate) fn admin_add_user(
    ctx: &Ctx,
    req: t::AdminAddUserToGroupRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    groups::add_member(ctx, &pool, &req.group_name, &req.username)?;
    Ok(json!({}))
}

pub(crate) fn admin_remove_user(
    ctx: &Ctx,
    req: t::AdminRemoveUserFromGroupRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    groups::remove_member(ctx, &pool, &req.group_name, &req.username)?;
    Ok(json!({}))
}

pub(crate) fn admin_list_for_user(
    ctx: &Ctx,
    req: t::AdminListGroupsForUserRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = crate::services::users::get(ctx, &pool, &req.username)?;
    let (limit, offset) = page(req.limit, req.next_token.as_deref())?;
    let groups: Vec<t::GroupType> = groups_of(ctx, &pool, &user)?
        .iter()
        .map(|g| render(&pool.id, g))
        .collect();
    let (groups, next_token) = paged(groups, limit, offset);
    reply(&t::AdminListGroupsForUserResponse {
        groups: Some(groups),
        next_token,
    })
}

pub(crate) fn list_users(ctx: &Ctx, req: t::ListUsersInGroupRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let (limit, offset) = page(req.limit, req.next_token.as_deref())?;
    let users: Vec<t::UserType> = groups::users_in(ctx, &pool.id, &req.group_name)?
        .iter()
        .map(user_type)
        .collect();
    let (users, next_token) = paged(users, limit, offset);
    // The users' dates are whole seconds, as ListUsers sends them.
    reply_whole_seconds(&t::ListUsersInGroupResponse {
        next_token,
        users: Some(users),
    })
}
