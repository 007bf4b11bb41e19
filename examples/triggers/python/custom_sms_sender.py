"""CustomSMSSender: send Cognito's SMS through your own provider. In AWS, event["request"]["code"]
is encrypted with the pool's KMS key (LambdaConfig.KMSKeyID): decrypt it with the AWS Encryption
SDK (aws-encryption-sdk, a KMS master key provider). cognate serve has no KMS: it sends the
code base64-encoded, and its runner sets COGNATE_TRIGGER_RUNNER=1 (set COGNATE_LOCAL=1 where
another runner calls this handler for cognate)."""
import base64
import os


def plaintext_code(event):
    if os.environ.get("COGNATE_TRIGGER_RUNNER") == "1" or os.environ.get("COGNATE_LOCAL") == "1":
        return base64.b64decode(event["request"]["code"]).decode()
    import aws_encryption_sdk  # in AWS: the Lambda layer or the deployment package

    client = aws_encryption_sdk.EncryptionSDKClient()
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[os.environ["KEY_ARN"]])
    plaintext, _ = client.decrypt(source=base64.b64decode(event["request"]["code"]), key_provider=provider)
    return plaintext.decode()


def handler(event, context):
    code = plaintext_code(event)
    phone = event["request"]["userAttributes"].get("phone_number")
    # A team would call its SMS provider here.
    print(f"{event['triggerSource']}: code {code} to {phone}")
    return event
