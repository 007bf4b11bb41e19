// CreateAuthChallenge: ask for the team's secret word. A real handler would send a one-time
// code by email or SMS here and keep the code in privateChallengeParameters.
export const handler = async (event) => {
  event.response.publicChallengeParameters = { question: "What is the secret word?" };
  event.response.privateChallengeParameters = { answer: "cognate" };
  event.response.challengeMetadata = "SECRET_WORD";
  return event;
};
