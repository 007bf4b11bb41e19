// PostConfirmation: where a team would write the new user to its own database or send a
// welcome message. This one logs the event and returns it, as Cognito requires.
export const handler = async (event) => {
  console.log(JSON.stringify(event));
  return event;
};
