// PreAuthentication: refuse sign-in to suspended accounts (custom:status = "suspended").
// Written in the callback style that older handlers use; cognate's runner supports both.
export const handler = (event, context, callback) => {
  console.log(JSON.stringify(event));
  if (event.request.userAttributes["custom:status"] === "suspended") {
    callback(new Error("This account is suspended"));
    return;
  }
  callback(null, event);
};
