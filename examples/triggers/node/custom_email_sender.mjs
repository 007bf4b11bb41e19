// CustomEmailSender: send Cognito's email through your own provider. In AWS, event.request.code
// is encrypted with the pool's KMS key (LambdaConfig.KMSKeyID): decrypt it with the AWS
// Encryption SDK (@aws-crypto/client-node, a KMS keyring). cognate serve has no KMS: it sends
// the code base64-encoded, and its runner sets COGNATE_TRIGGER_RUNNER=1.
async function plaintextCode(event) {
  if (process.env.COGNATE_TRIGGER_RUNNER === "1" || process.env.COGNATE_LOCAL === "1") {
    return Buffer.from(event.request.code, "base64").toString("utf8");
  }
  const { KmsKeyringNode, buildClient, CommitmentPolicy } = await import("@aws-crypto/client-node");
  const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
  const keyring = new KmsKeyringNode({ keyIds: [process.env.KEY_ARN] });
  const { plaintext } = await decrypt(keyring, Buffer.from(event.request.code, "base64"));
  return plaintext.toString("utf8");
}

export const handler = async (event) => {
  const code = await plaintextCode(event);
  const to = event.request.userAttributes.email;
  // A team would call its email provider here.
  console.log(`${event.triggerSource}: code ${code} to ${to}`);
  return event;
};
