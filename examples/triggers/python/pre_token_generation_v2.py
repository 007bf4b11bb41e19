"""Pre token generation, event version V2_0 (PreTokenGenerationConfig LambdaVersion "V2_0"):
the tenant of the user in both tokens, an API scope in the access token, and the groups
replaced by the user's role in that tenant."""


def handler(event, context):
    tenant = event["request"]["userAttributes"].get("custom:tenant", "none")
    event["response"] = {
        "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": tenant},
                "claimsToSuppress": ["phone_number"],
            },
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": tenant, "tenant:roles": ["reader", "writer"]},
                "scopesToAdd": ["orders/read"],
            },
            "groupOverrideDetails": {"groupsToOverride": [f"{tenant}-members"]},
        }
    }
    return event
