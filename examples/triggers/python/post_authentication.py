"""PostAuthentication: an audit log line per sign-in."""


def handler(event, context):
    print(f"sign-in: {event['userName']} new device: {event['request']['newDeviceUsed']}")
    return event
