// VerifyAuthChallengeResponse: the answer against the private parameters of the challenge.
export const handler = async (event) => {
  event.response.answerCorrect =
    event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
};
