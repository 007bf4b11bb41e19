"""VerifyAuthChallengeResponse: the answer against the private parameters of the challenge."""


def handler(event, context):
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event
