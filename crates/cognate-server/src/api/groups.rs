//! User pool groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup; and
//! the group claims of a user's tokens (`cognito:groups`, `cognito:roles`,
//! `cognito:preferred_role`).
//!
//! Groups are `doc` records of kind [`GROUP`] (key: the group name), memberships records of kind
//! [`MEMBER`] (key: group name and internal user name), both scoped by the pool id so that
//! deleting the pool deletes them. A membership remembers the user's `sub`: a user deleted and
//! recreated under the same name is another user and is in no group.

use crate::store::cascade;
use cognate_model::idp::ErrorKind as E;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{reply, reply_whole_seconds, timestamp, user_type};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::groups::{
    GROUP, Group, MEMBER, Member, decode, encode, get_group, group_not_found, groups_of, members,
};

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
        // Stored only after the check of `precedence` (0..=i32::MAX).
        precedence: g.precedence.and_then(|p| i32::try_from(p).ok()),
        role_arn: g.role_arn.clone(),
        user_pool_id: Some(pool_id.to_owned()),
    }
}

/// `GroupName`, checked as AWS validates it.
fn group_name(name: &str) -> Result<&str, ApiError> {
    let len = name.chars().count();
    if len == 0 {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if len > 128 {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128",
        ));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{M}}\\p{{S}}\\p{{N}}\\p{{P}}]+"
        )));
    }
    Ok(name)
}

fn description(d: Option<&str>) -> Result<Option<String>, ApiError> {
    if d.is_some_and(|d| d.chars().count() > 2048) {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048",
        ));
    }
    Ok(d.map(str::to_owned))
}

fn role_arn(arn: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(arn) = arn else {
        return Ok(None);
    };
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = (20..=2048).contains(&arn.len())
        && parts.len() >= 6
        && parts[0] == "arn"
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[4].is_empty()
        && !parts[5].is_empty();
    if !ok {
        return Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{arn}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"
        )));
    }
    Ok(Some(arn.to_owned()))
}

fn precedence(p: Option<i32>) -> Result<Option<i64>, ApiError> {
    let p = p.map(i64::from);
    if p.is_some_and(|p| !(0..=i64::from(i32::MAX)).contains(&p)) {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0",
        ));
    }
    Ok(p)
}

/// `Limit` (0 or absent: 60) and the offset of `NextToken`.
fn page(limit: Option<i32>, next_token: Option<&str>) -> Result<(usize, usize), ApiError> {
    let limit = limit.unwrap_or(MAX_LIMIT);
    if !(0..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
        ));
    }
    let limit = if limit == 0 { MAX_LIMIT } else { limit };
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

pub(crate) fn create(ctx: &Ctx, req: t::CreateGroupRequest) -> Result<Value, ApiError> {
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    let now = ctx.now();
    let group = Group {
        name: name.to_owned(),
        description: description(req.description.as_deref())?,
        role_arn: role_arn(req.role_arn.as_deref())?,
        precedence: precedence(req.precedence)?,
        created: now,
        modified: now,
    };
    let data = encode(&group)?;
    // Insert only if absent, atomically: of two concurrent creates, one fails.
    let inserted = Arc::new(AtomicBool::new(false));
    let flag = inserted.clone();
    ctx.store.doc_update(
        GROUP,
        &pool.id,
        name,
        Box::new(move |old| {
            if old.is_some() {
                return old;
            }
            flag.store(true, AtomicOrdering::SeqCst);
            Some(data)
        }),
    )?;
    if !inserted.load(AtomicOrdering::SeqCst) {
        return Err(exists(name));
    }
    reply(&t::CreateGroupResponse {
        group: Some(render(&pool.id, &group)),
    })
}

fn exists(name: &str) -> ApiError {
    ApiError::new(
        E::GroupExistsException,
        format!("A group with the name {name} already exists."),
    )
}

pub(crate) fn get(ctx: &Ctx, req: t::GetGroupRequest) -> Result<Value, ApiError> {
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    let group = get_group(ctx, &pool.id, name)?;
    reply(&t::GetGroupResponse {
        group: Some(render(&pool.id, &group)),
    })
}

pub(crate) fn list(ctx: &Ctx, req: t::ListGroupsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let (limit, offset) = page(req.limit, req.next_token.as_deref())?;
    let groups: Vec<t::GroupType> = ctx
        .store
        .doc_list(GROUP, &pool.id)?
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
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    let (desc, role, prec) = (
        description(req.description.as_deref())?,
        role_arn(req.role_arn.as_deref())?,
        precedence(req.precedence)?,
    );
    let now = ctx.now();
    // Members not given keep their values.
    let updated = ctx.store.doc_update(
        GROUP,
        &pool.id,
        name,
        Box::new(move |old| {
            let mut g: Group = serde_json::from_value(old?).ok()?;
            if desc.is_some() {
                g.description = desc;
            }
            if role.is_some() {
                g.role_arn = role;
            }
            if prec.is_some() {
                g.precedence = prec;
            }
            g.modified = now;
            serde_json::to_value(g).ok()
        }),
    )?;
    let group: Group = decode(updated.ok_or_else(group_not_found)?)?;
    reply(&t::UpdateGroupResponse {
        group: Some(render(&pool.id, &group)),
    })
}

pub(crate) fn delete(ctx: &Ctx, req: t::DeleteGroupRequest) -> Result<Value, ApiError> {
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    get_group(ctx, &pool.id, name)?;
    // The group and its memberships in one unit: a crash leaves both or neither.
    let members: Vec<String> = members(ctx, &pool.id)?
        .into_iter()
        .filter(|m| m.group == name)
        .map(|m| m.username)
        .collect();
    ctx.store.apply(cascade::delete_group(
        &pool.id,
        name,
        members.iter().map(String::as_str),
    ))?;
    Ok(json!({}))
}

pub(crate) fn admin_add_user(
    ctx: &Ctx,
    req: t::AdminAddUserToGroupRequest,
) -> Result<Value, ApiError> {
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    let username = req.username.as_str();
    let group = get_group(ctx, &pool.id, name)?;
    let user = crate::services::users::get(ctx, &pool, username)?;
    let member = Member {
        group: group.name,
        username: user.username,
        sub: user.sub,
    };
    ctx.store.doc_put(
        MEMBER,
        &pool.id,
        &cascade::member_key(&member.group, &member.username),
        &encode(&member)?,
    )?;
    Ok(json!({}))
}

pub(crate) fn admin_remove_user(
    ctx: &Ctx,
    req: t::AdminRemoveUserFromGroupRequest,
) -> Result<Value, ApiError> {
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    let username = req.username.as_str();
    let group = get_group(ctx, &pool.id, name)?;
    let user = crate::services::users::get(ctx, &pool, username)?;
    ctx.store.doc_delete(
        MEMBER,
        &pool.id,
        &cascade::member_key(&group.name, &user.username),
    )?;
    Ok(json!({}))
}

pub(crate) fn admin_list_for_user(
    ctx: &Ctx,
    req: t::AdminListGroupsForUserRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = crate::services::users::get(ctx, &pool, &req.username)?;
    let (limit, offset) = page(req.limit, req.next_token.as_deref())?;
    let groups: Vec<t::GroupType> = groups_of(ctx, &pool.id, &user)?
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
    let name = group_name(&req.group_name)?;
    let pool = ctx.pool(&req.user_pool_id)?;
    let (limit, offset) = page(req.limit, req.next_token.as_deref())?;
    get_group(ctx, &pool.id, name)?;
    let mut users = Vec::new();
    for m in members(ctx, &pool.id)? {
        if m.group != name {
            continue;
        }
        if let Some(u) = ctx.store.user_get(&pool.id, &m.username)?
            && u.sub == m.sub
        {
            users.push(user_type(&u));
        }
    }
    let (users, next_token) = paged(users, limit, offset);
    // The users' dates are whole seconds, as ListUsers sends them.
    reply_whole_seconds(&t::ListUsersInGroupResponse {
        next_token,
        users: Some(users),
    })
}
