"""PreSignUp: confirm and verify sign-ups from the company's own domain at once, refuse a
blocked domain, and let everyone else confirm by code. Deploy as is (runtime python3.12,
handler pre_sign_up.handler) or run it with
`cognate serve --trigger-handler pre-sign-up=THIS_FILE`."""
import json

OWN_DOMAIN = "example.com"
BLOCKED = {"blocked.example"}


def handler(event, context):
    print(json.dumps(event))
    email = event["request"]["userAttributes"].get("email", "")
    domain = email.partition("@")[2]
    if domain in BLOCKED:
        raise Exception(f"Sign-ups from {domain} are not allowed")
    if domain == OWN_DOMAIN and event["triggerSource"] == "PreSignUp_SignUp":
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event
