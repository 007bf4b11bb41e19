"""Input validation through boto3 (its own client-side validation off, so that bad input reaches
the server), checked against botocore's copy of the AWS model: every operation of cognito-idp and
cognito-identity is called with a body that breaks one constraint of one top-level member, and
answers InvalidParameterException with AWS's wording naming that member; a wrong JSON type is a
SerializationException.
"""

import json

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from harness import ENDPOINT, REGION, checks, expect_error, ok

raw = Config(parameter_validation=False, retries={"max_attempts": 1})
idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=ENDPOINT, config=raw)
identity = boto3.client("cognito-identity", region_name=REGION, endpoint_url=ENDPOINT, config=raw)

expect_error("InvalidParameterException", idp.describe_user_pool, UserPoolId="not a pool id!",
             message="1 validation error detected: Value 'not a pool id!' at 'userPoolId' failed to satisfy "
                     "constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+")
ok("malformed pool id: the model's pattern, AWS's wording")
expect_error("InvalidParameterException", idp.admin_get_user,
             message="2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: "
                     "Member must not be null; Value null at 'username' failed to satisfy constraint: "
                     "Member must not be null")
ok("two missing members: one message, counted")
expect_error("InvalidParameterException", idp.list_users, UserPoolId="us-east-1_abc", Limit=100,
             message="1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: "
                     "Member must have value less than or equal to 60")
ok("range")
expect_error("InvalidParameterException", idp.set_user_pool_mfa_config, UserPoolId="us-east-1_abc",
             MfaConfiguration="BOGUS",
             message="1 validation error detected: Value 'BOGUS' at 'mfaConfiguration' failed to satisfy "
                     "constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]")
ok("enum")
expect_error("InvalidParameterException", idp.initiate_auth, AuthFlow="USER_PASSWORD_AUTH", ClientId="bad id",
             message="1 validation error detected: Value at 'clientId' failed to satisfy constraint: "
                     "Member must satisfy regular expression pattern: [\\w+]+")
ok("a sensitive member's value is never quoted")
expect_error("SerializationException", idp.describe_user_pool, UserPoolId=7)
ok("wrong JSON type: SerializationException")


def lower_first(name):
    return name[:1].lower() + name[1:]


def breaking(shape):
    """A value that fits the shape's JSON type and breaks one of its constraints, and AWS's phrase."""
    meta = shape.metadata
    if shape.type_name == "string" and "max" in meta:
        return "a" * (meta["max"] + 1), f"Member must have length less than or equal to {meta['max']}"
    if shape.type_name == "string" and shape.enum:
        return "NOT_A_VALUE", f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
    if shape.type_name in ("integer", "long") and "max" in meta and meta["max"] < 2**31 - 1:
        return meta["max"] + 1, f"Member must have value less than or equal to {meta['max']}"
    return None


walked = 0
for client in (idp, identity):
    model = client.meta.service_model
    for op_name in model.operation_names:
        op = model.operation_model(op_name)
        if op.input_shape is None:
            continue
        method = getattr(client, xform_name(op_name))
        for member, shape in op.input_shape.members.items():
            broken = breaking(shape)
            if broken is None:
                continue
            value, phrase = broken
            shown = "" if shape.metadata.get("sensitive") else f"'{value}' "
            expected = f"Value {shown}at '{lower_first(member)}' failed to satisfy constraint: {phrase}"
            try:
                method(**{member: value})
            except ClientError as e:
                code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
                assert code == "InvalidParameterException", (op_name, member, code, message)
                assert expected in message, (op_name, member, expected, message)
            else:
                raise AssertionError(f"{op_name}.{member}: accepted {value!r}")
            walked += 1
assert walked > 150, walked
ok(f"every operation of both services: {walked} broken constraints refused in AWS's wording")

print(json.dumps({"checks": checks()}))
