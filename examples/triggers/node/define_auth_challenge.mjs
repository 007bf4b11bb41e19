// DefineAuthChallenge: a password (when the client starts with SRP, as Amplify's
// CUSTOM_WITH_SRP and amazon-cognito-identity-js's CUSTOM_AUTH authenticateUser do), then one
// custom challenge, three tries.
export const handler = async (event) => {
  const session = event.request.session;
  const last = session.at(-1);
  const tries = session.filter((s) => s.challengeName === "CUSTOM_CHALLENGE");
  if (last?.challengeName === "SRP_A") {
    event.response.challengeName = "PASSWORD_VERIFIER";
  } else if (last?.challengeName === "CUSTOM_CHALLENGE" && last.challengeResult) {
    event.response.issueTokens = true;
    event.response.failAuthentication = false;
  } else if (tries.length >= 3 || (last && last.challengeName !== "CUSTOM_CHALLENGE" && !last.challengeResult)) {
    event.response.issueTokens = false;
    event.response.failAuthentication = true;
  } else {
    event.response.challengeName = "CUSTOM_CHALLENGE";
  }
  return event;
};
