"""PreAuthentication: refuse sign-in to suspended accounts (custom:status = "suspended")."""
import json


def handler(event, context):
    print(json.dumps(event))
    if event["request"]["userAttributes"].get("custom:status") == "suspended":
        raise Exception("This account is suspended")
    return event
