#!/usr/bin/env python3
"""Drives a running cognate server's groups and sign-out with boto3, as an admin tool would.

usage: groups_signout.py ENDPOINT_URL

Every group operation (CreateGroup, GetGroup, ListGroups with paging, UpdateGroup, DeleteGroup,
AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup) and
its errors, the cognito:groups / cognito:roles / cognito:preferred_role claims of the tokens,
and GlobalSignOut / AdminUserGlobalSignOut: the old access token is refused by GetUser with
botocore's ClientError NotAuthorizedException, the old refresh token too, a new login works.
Prints one line per check on stderr and a JSON summary on stdout; exits 1 at the first failure.
"""

import datetime
import json

import boto3
from botocore.exceptions import ClientError
import harness
from harness import ENDPOINT, REGION, PASSWORD, idp, ok, checks, claims

ROLE_ADMIN = "arn:aws:iam::123456789012:role/admin"
ROLE_READ = "arn:aws:iam::123456789012:role/read"


def expect_error(code, message, fn, **kwargs):
    return harness.expect_error(code, fn, message=message, **kwargs)


def login(client_id, username):
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]


# ---- a pool, a client, three users
pool_id = idp.create_user_pool(PoolName="groups-signout")["UserPool"]["Id"]
client_id = idp.create_user_pool_client(
    UserPoolId=pool_id,
    ClientName="app",
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
for name in ["alice", "bob", "carol"]:
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
ok("pool, client and users")

# ---- groups
g = idp.create_group(
    GroupName="admins", UserPoolId=pool_id, Description="Admins", RoleArn=ROLE_ADMIN, Precedence=1
)["Group"]
assert g["GroupName"] == "admins" and g["UserPoolId"] == pool_id, g
assert g["Description"] == "Admins" and g["RoleArn"] == ROLE_ADMIN and g["Precedence"] == 1, g
assert isinstance(g["CreationDate"], datetime.datetime), g
assert isinstance(g["LastModifiedDate"], datetime.datetime), g
ok("CreateGroup answers the GroupType, dates parsed by botocore")
idp.create_group(GroupName="readers", UserPoolId=pool_id, RoleArn=ROLE_READ, Precedence=10)
idp.create_group(GroupName="misc", UserPoolId=pool_id)
expect_error("GroupExistsException", "A group with the name admins already exists.",
             idp.create_group, GroupName="admins", UserPoolId=pool_id)
ok("CreateGroup of an existing name: GroupExistsException")
assert idp.get_group(GroupName="readers", UserPoolId=pool_id)["Group"]["Precedence"] == 10
expect_error("ResourceNotFoundException", "Group not found.",
             idp.get_group, GroupName="nope", UserPoolId=pool_id)
ok("GetGroup, and ResourceNotFoundException")

page = idp.list_groups(UserPoolId=pool_id, Limit=2)
assert [x["GroupName"] for x in page["Groups"]] == ["admins", "readers"], page
page2 = idp.list_groups(UserPoolId=pool_id, Limit=2, NextToken=page["NextToken"])
assert [x["GroupName"] for x in page2["Groups"]] == ["misc"] and "NextToken" not in page2, page2
paginated = [x["GroupName"] for p in idp.get_paginator("list_groups").paginate(
    UserPoolId=pool_id, PaginationConfig={"PageSize": 1}) for x in p["Groups"]]
assert paginated == ["admins", "readers", "misc"], paginated
ok("ListGroups pages with Limit / NextToken (and boto3's paginator)")

u = idp.update_group(GroupName="misc", UserPoolId=pool_id, Description="Other", Precedence=5)["Group"]
assert u["Description"] == "Other" and u["Precedence"] == 5 and "RoleArn" not in u, u
expect_error("ResourceNotFoundException", "Group not found.",
             idp.update_group, GroupName="nope", UserPoolId=pool_id, Description="x")
ok("UpdateGroup")

for group in ["readers", "misc", "admins"]:
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName=group)
idp.admin_add_user_to_group(UserPoolId=pool_id, Username="bob", GroupName="readers")
expect_error("UserNotFoundException", "User does not exist.",
             idp.admin_add_user_to_group, UserPoolId=pool_id, Username="nobody", GroupName="admins")
expect_error("ResourceNotFoundException", "Group not found.",
             idp.admin_add_user_to_group, UserPoolId=pool_id, Username="alice", GroupName="nope")
mine = [x["GroupName"] for x in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]]
assert mine == ["admins", "misc", "readers"], mine
members = [x["Username"] for x in idp.list_users_in_group(UserPoolId=pool_id, GroupName="readers")["Users"]]
assert members == ["alice", "bob"], members
ok("AdminAddUserToGroup, AdminListGroupsForUser (by precedence), ListUsersInGroup")

tokens = login(client_id, "alice")
access, id_token = claims(tokens["AccessToken"]), claims(tokens["IdToken"])
assert access["cognito:groups"] == ["admins", "misc", "readers"], access
assert id_token["cognito:groups"] == ["admins", "misc", "readers"], id_token
assert id_token["cognito:roles"] == [ROLE_ADMIN, ROLE_READ], id_token
assert id_token["cognito:preferred_role"] == ROLE_ADMIN, id_token
carol = claims(login(client_id, "carol")["IdToken"])
assert "cognito:groups" not in carol and "cognito:roles" not in carol, carol
ok("cognito:groups in both tokens, cognito:roles and cognito:preferred_role in the ID token")

idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="alice", GroupName="admins")
mine = [x["GroupName"] for x in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]]
assert mine == ["misc", "readers"], mine
idp.delete_group(GroupName="readers", UserPoolId=pool_id)
expect_error("ResourceNotFoundException", "Group not found.",
             idp.delete_group, GroupName="readers", UserPoolId=pool_id)
mine = [x["GroupName"] for x in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]]
assert mine == ["misc"], mine
ok("AdminRemoveUserFromGroup, DeleteGroup (memberships go with it)")

# ---- sign-out
first = login(client_id, "alice")
second = login(client_id, "alice")
assert idp.get_user(AccessToken=first["AccessToken"])["Username"] == "alice"
idp.global_sign_out(AccessToken=first["AccessToken"])
for t in [first, second]:
    expect_error("NotAuthorizedException", "Access Token has been revoked",
                 idp.get_user, AccessToken=t["AccessToken"])
    expect_error("NotAuthorizedException", "Refresh Token has been revoked",
                 idp.initiate_auth, ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                 AuthParameters={"REFRESH_TOKEN": t["RefreshToken"]})
ok("GlobalSignOut: every access and refresh token of the user refused")
fresh = login(client_id, "alice")
assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "alice"
idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                  AuthParameters={"REFRESH_TOKEN": fresh["RefreshToken"]})
ok("a new login after GlobalSignOut works and refreshes")

bob = login(client_id, "bob")
idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="bob")
expect_error("NotAuthorizedException", "Access Token has been revoked",
             idp.get_user, AccessToken=bob["AccessToken"])
expect_error("UserNotFoundException", "User does not exist.",
             idp.admin_user_global_sign_out, UserPoolId=pool_id, Username="nobody")
assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "alice"
ok("AdminUserGlobalSignOut")

print(json.dumps({"checks": checks()}))
