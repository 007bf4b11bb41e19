"""Pre token generation, V1_0 (LambdaConfig.PreTokenGeneration): ID-token claims only."""


def handler(event, context):
    event["response"] = {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": {
                "tenant": event["request"]["userAttributes"].get("custom:tenant", "none")
            },
            "claimsToSuppress": ["phone_number"],
        }
    }
    return event
