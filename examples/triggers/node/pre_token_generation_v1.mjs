// Pre token generation, V1_0 (LambdaConfig.PreTokenGeneration): ID-token claims only.
export const handler = async (event) => {
  event.response = {
    claimsOverrideDetails: {
      claimsToAddOrOverride: { tenant: event.request.userAttributes["custom:tenant"] ?? "none" },
      claimsToSuppress: ["phone_number"],
    },
  };
  return event;
};
