"""DefineAuthChallenge: a password (when the client starts with SRP, as Amplify's
CUSTOM_WITH_SRP does), then one custom challenge, three tries."""


def handler(event, context):
    session = event["request"]["session"]
    last = session[-1] if session else None
    tries = [s for s in session if s["challengeName"] == "CUSTOM_CHALLENGE"]
    response = event["response"]
    if last and last["challengeName"] == "SRP_A":
        response["challengeName"] = "PASSWORD_VERIFIER"
    elif last and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response["issueTokens"] = True
        response["failAuthentication"] = False
    elif len(tries) >= 3 or (last and last["challengeName"] != "CUSTOM_CHALLENGE" and not last["challengeResult"]):
        response["issueTokens"] = False
        response["failAuthentication"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    return event
