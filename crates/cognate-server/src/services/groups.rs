//! Groups as records (a group, a membership), the groups of a user in precedence order, and
//! what they put in tokens (`cognito:groups`, `cognito:roles`, `cognito:preferred_role`).

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use cognate_model::idp::ErrorKind as E;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Ctx;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::store::{RecordKind, cascade};

/// Record kind of a group.
pub(crate) const GROUP: RecordKind = RecordKind::Group;

/// Record kind of a membership.
pub(crate) const MEMBER: RecordKind = RecordKind::GroupMember;

/// A stored group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) role_arn: Option<String>,
    #[serde(default)]
    pub(crate) precedence: Option<i64>,
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

/// A stored membership.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Member {
    pub(crate) group: String,
    pub(crate) username: String,
    pub(crate) sub: String,
}

pub(crate) fn group_not_found() -> ApiError {
    ApiError::new(E::ResourceNotFoundException, "Group not found.")
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        tracing::error!(error = %e, "corrupt group record");
        ApiError::internal("storage failure")
    })
}

pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|_| ApiError::internal("storage failure"))
}

pub(crate) fn load(ctx: &Ctx, pool_id: &str, name: &str) -> Result<Option<Group>, ApiError> {
    ctx.store
        .doc_get(GROUP, pool_id, name)?
        .map(decode)
        .transpose()
}

pub(crate) fn get_group(ctx: &Ctx, pool_id: &str, name: &str) -> Result<Group, ApiError> {
    load(ctx, pool_id, name)?.ok_or_else(group_not_found)
}

pub(crate) fn members(ctx: &Ctx, pool_id: &str) -> Result<Vec<Member>, ApiError> {
    ctx.store
        .doc_list(MEMBER, pool_id)?
        .into_iter()
        .map(|(_, v)| decode(v))
        .collect()
}

/// Cognito's order of a user's groups: lower precedence first, groups without precedence
/// after, ties by name.
pub(crate) fn by_precedence(a: &Group, b: &Group) -> Ordering {
    match (a.precedence, b.precedence) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.name.cmp(&b.name))
}

/// The groups `user` is in, in Cognito's order. Every login asks, so this looks up the user's
/// membership of each group of the pool by key (a pool has at most 10,000 groups and usually a
/// handful), all in one read, rather than scanning every membership of the pool, which grows
/// with its users; the pool's list of groups is kept under the pool's stamp (`pool_cache`), so
/// a login in a pool without groups reads nothing here on a store with stamps.
pub(crate) fn groups_of(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Vec<Group>, ApiError> {
    let groups = ctx.pool_groups.get(pool, || {
        ctx.store
            .doc_list(GROUP, &pool.id)?
            .into_iter()
            .map(|(_, g)| decode(g))
            .collect()
    })?;
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = groups
        .iter()
        .map(|g| cascade::member_key(&g.name, &user.username))
        .collect();
    let found = ctx.store.doc_get_many(MEMBER, &pool.id, &keys)?;
    let mut out = Vec::new();
    for (key, data) in found {
        let m: Member = decode(data)?;
        if m.sub != user.sub {
            continue;
        }
        if let Some(i) = keys.iter().position(|k| *k == key) {
            out.push(groups[i].clone());
        }
    }
    out.sort_by(by_precedence);
    Ok(out)
}

/// What CreateGroup sets and UpdateGroup changes: members left `None` keep their values on an
/// update. Checked against the model's constraints by the wire layer before they get here.
#[derive(Debug, Default)]
pub(crate) struct GroupChange {
    pub(crate) description: Option<String>,
    pub(crate) role_arn: Option<String>,
    pub(crate) precedence: Option<i32>,
}

/// Creates group `name` in pool `pool_id`, or fails with `GroupExistsException`. The record is
/// inserted only if absent, atomically: of two concurrent creates, one fails.
pub(crate) fn create(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    change: GroupChange,
) -> Result<Group, ApiError> {
    let now = ctx.now();
    let group = Group {
        name: name.to_owned(),
        description: change.description,
        role_arn: change.role_arn,
        precedence: change.precedence.map(i64::from),
        created: now,
        modified: now,
    };
    let data = encode(&group)?;
    let inserted = Arc::new(AtomicBool::new(false));
    let flag = inserted.clone();
    ctx.store.doc_update(
        GROUP,
        pool_id,
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
        return Err(ApiError::new(
            E::GroupExistsException,
            format!("A group with the name {name} already exists."),
        ));
    }
    Ok(group)
}

/// Changes the members of group `name` that `change` gives, in one write.
pub(crate) fn update(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    change: GroupChange,
) -> Result<Group, ApiError> {
    let now = ctx.now();
    let updated = ctx.store.doc_update(
        GROUP,
        pool_id,
        name,
        Box::new(move |old| {
            let mut g: Group = serde_json::from_value(old?).ok()?;
            if change.description.is_some() {
                g.description = change.description;
            }
            if change.role_arn.is_some() {
                g.role_arn = change.role_arn;
            }
            if let Some(p) = change.precedence {
                g.precedence = Some(i64::from(p));
            }
            g.modified = now;
            serde_json::to_value(g).ok()
        }),
    )?;
    decode(updated.ok_or_else(group_not_found)?)
}

/// Deletes group `name` and its memberships in one unit: a crash leaves both or neither.
pub(crate) fn delete(ctx: &Ctx, pool_id: &str, name: &str) -> Result<(), ApiError> {
    get_group(ctx, pool_id, name)?;
    let members: Vec<String> = members(ctx, pool_id)?
        .into_iter()
        .filter(|m| m.group == name)
        .map(|m| m.username)
        .collect();
    ctx.store.apply(cascade::delete_group(
        pool_id,
        name,
        members.iter().map(String::as_str),
    ))?;
    Ok(())
}

/// Puts user `username` in group `name` (again: no change). The membership remembers the
/// user's `sub`. A missing group is reported before a missing user, as Cognito does.
pub(crate) fn add_member(
    ctx: &Ctx,
    pool: &UserPool,
    name: &str,
    username: &str,
) -> Result<(), ApiError> {
    let group = get_group(ctx, &pool.id, name)?;
    let user = super::users::get(ctx, pool, username)?;
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
    Ok(())
}

/// Takes user `username` out of group `name` (not in it: no change).
pub(crate) fn remove_member(
    ctx: &Ctx,
    pool: &UserPool,
    name: &str,
    username: &str,
) -> Result<(), ApiError> {
    let group = get_group(ctx, &pool.id, name)?;
    let user = super::users::get(ctx, pool, username)?;
    ctx.store.doc_delete(
        MEMBER,
        &pool.id,
        &cascade::member_key(&group.name, &user.username),
    )?;
    Ok(())
}

/// The users of group `name` in membership order; a user deleted and recreated under the same
/// name is another user and is left out.
pub(crate) fn users_in(ctx: &Ctx, pool_id: &str, name: &str) -> Result<Vec<User>, ApiError> {
    get_group(ctx, pool_id, name)?;
    let mut users = Vec::new();
    for m in members(ctx, pool_id)? {
        if m.group != name {
            continue;
        }
        if let Some(u) = ctx.store.user_get(pool_id, &m.username)?
            && u.sub == m.sub
        {
            users.push(u);
        }
    }
    Ok(users)
}

/// The group claims of a user's tokens.
#[derive(Debug, Default)]
pub(crate) struct GroupClaims {
    /// `cognito:groups` (access and ID token); empty: the claim is left out.
    pub groups: Vec<String>,
    /// `cognito:roles` (ID token): the role ARNs of those groups, in the same order, once each.
    pub roles: Vec<String>,
    /// `cognito:preferred_role` (ID token): the role of the group of lowest precedence; none
    /// when groups of that precedence have different roles.
    pub preferred_role: Option<String>,
}

/// The group claims of `user`'s tokens.
pub(crate) fn claims(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<GroupClaims, ApiError> {
    let groups = groups_of(ctx, pool, user)?;
    let mut out = GroupClaims {
        groups: groups.iter().map(|g| g.name.clone()).collect(),
        ..GroupClaims::default()
    };
    for g in &groups {
        if let Some(r) = &g.role_arn
            && !out.roles.contains(r)
        {
            out.roles.push(r.clone());
        }
    }
    // Groups are sorted, so the first with a role has the best precedence among those with
    // one; every group of that same precedence (null counts as one value) must agree.
    if let Some(best) = groups.iter().find(|g| g.role_arn.is_some()) {
        let mut tied = groups
            .iter()
            .filter(|g| g.role_arn.is_some() && g.precedence == best.precedence);
        if tied.all(|g| g.role_arn == best.role_arn) {
            out.preferred_role = best.role_arn.clone();
        }
    }
    Ok(out)
}

/// The names of the groups `user` belongs to (AdminDeleteUser's cascade), looked up group by
/// group.
pub(crate) fn names_of(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Vec<String>, ApiError> {
    Ok(groups_of(ctx, pool, user)?
        .into_iter()
        .map(|g| g.name)
        .collect())
}
