"""CustomMessage: the product's own wording for every message Cognito sends. The code (or an
invitation's temporary password) goes where event["request"]["codeParameter"] ("{####}") is."""

MESSAGES = {
    "CustomMessage_SignUp": ("Welcome to Example", "Hi {name}, your Example sign-up code is {code}."),
    "CustomMessage_ResendCode": ("Welcome to Example", "Hi {name}, your Example sign-up code is {code}."),
    "CustomMessage_ForgotPassword": ("Reset your Example password", "Your Example password reset code is {code}."),
    "CustomMessage_AdminCreateUser": ("Your Example account", "Welcome {username}, your temporary password is {code}."),
    "CustomMessage_UpdateUserAttribute": ("Confirm your address", "Confirm this address for Example with {code}."),
    "CustomMessage_VerifyUserAttribute": ("Confirm your address", "Confirm this address for Example with {code}."),
    "CustomMessage_Authentication": ("Your Example sign-in code", "Your Example sign-in code is {code}."),
}


def handler(event, context):
    chosen = MESSAGES.get(event["triggerSource"])
    if chosen is None:
        return event
    subject, text = chosen
    request = event["request"]
    text = text.format(
        name=request["userAttributes"].get("given_name", event["userName"]),
        code=request["codeParameter"],
        username=request.get("usernameParameter"),
    )
    event["response"]["emailSubject"] = subject
    event["response"]["emailMessage"] = text
    event["response"]["smsMessage"] = text
    return event
