// CustomMessage: the product's own wording for every message Cognito sends. The code (or an
// invitation's temporary password) goes where event.request.codeParameter ("{####}") is.
export const handler = async (event) => {
  const code = event.request.codeParameter;
  const name = event.request.userAttributes.given_name ?? event.userName;
  const set = (subject, text) => {
    event.response.emailSubject = subject;
    event.response.emailMessage = text;
    event.response.smsMessage = text;
  };
  switch (event.triggerSource) {
    case "CustomMessage_SignUp":
    case "CustomMessage_ResendCode":
      set("Welcome to Example", `Hi ${name}, your Example sign-up code is ${code}.`);
      break;
    case "CustomMessage_ForgotPassword":
      set("Reset your Example password", `Your Example password reset code is ${code}.`);
      break;
    case "CustomMessage_AdminCreateUser":
      set("Your Example account", `Welcome ${event.request.usernameParameter}, your temporary password is ${code}.`);
      break;
    case "CustomMessage_UpdateUserAttribute":
    case "CustomMessage_VerifyUserAttribute":
      set("Confirm your address", `Confirm this address for Example with ${code}.`);
      break;
    case "CustomMessage_Authentication":
      set("Your Example sign-in code", `Your Example sign-in code is ${code}.`);
      break;
  }
  return event;
};
