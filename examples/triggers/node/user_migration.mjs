// UserMigration: move users of a legacy directory into the pool the first time they sign in
// (UserMigration_Authentication, with their password) or ask to reset their password
// (UserMigration_ForgotPassword). The legacy directory here is a table; a team's handler
// would ask its old user store.
const LEGACY = {
  legacy: { password: "Legacy horse 1!", email: "legacy@example.com", tenant: "legacy" },
  forgetful: { password: "Forgotten 1!", email: "forgetful@example.com", tenant: "legacy" },
};

export const handler = async (event) => {
  const known = LEGACY[event.userName];
  if (!known) {
    return event; // no userAttributes: Cognito answers that the user does not exist
  }
  if (event.triggerSource === "UserMigration_Authentication" && event.request.password !== known.password) {
    throw new Error("Bad password");
  }
  event.response.userAttributes = {
    email: known.email,
    email_verified: "true",
    "custom:tenant": known.tenant,
  };
  event.response.finalUserStatus = "CONFIRMED";
  event.response.messageAction = "SUPPRESS";
  return event;
};
