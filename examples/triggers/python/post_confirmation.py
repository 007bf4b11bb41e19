"""PostConfirmation: where a team would write the new user to its own database or send a
welcome message. This one logs the event and returns it, as Cognito requires."""
import json


def handler(event, context):
    print(json.dumps(event))
    return event
