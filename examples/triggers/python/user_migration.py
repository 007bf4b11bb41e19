"""UserMigration: move users of a legacy directory into the pool the first time they sign in
(UserMigration_Authentication, with their password) or ask to reset their password
(UserMigration_ForgotPassword). The legacy directory here is a table; a team's handler
would ask its old user store."""

LEGACY = {
    "legacy": {"password": "Legacy horse 1!", "email": "legacy@example.com", "tenant": "legacy"},
    "forgetful": {"password": "Forgotten 1!", "email": "forgetful@example.com", "tenant": "legacy"},
}


def handler(event, context):
    known = LEGACY.get(event["userName"])
    if known is None:
        return event  # no userAttributes: Cognito answers that the user does not exist
    if (
        event["triggerSource"] == "UserMigration_Authentication"
        and event["request"]["password"] != known["password"]
    ):
        raise Exception("Bad password")
    event["response"]["userAttributes"] = {
        "email": known["email"],
        "email_verified": "true",
        "custom:tenant": known["tenant"],
    }
    event["response"]["finalUserStatus"] = "CONFIRMED"
    event["response"]["messageAction"] = "SUPPRESS"
    return event
