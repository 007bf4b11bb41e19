// PreSignUp: confirm and verify sign-ups from the company's own domain at once, refuse a
// blocked domain, and let everyone else confirm by code. Deploy as is (runtime nodejs20.x,
// handler index.handler) or run it with `cognate serve --trigger-handler pre-sign-up=THIS_FILE`.
const OWN_DOMAIN = "example.com";
const BLOCKED = ["blocked.example"];

export const handler = async (event) => {
  console.log(JSON.stringify(event));
  const email = event.request.userAttributes.email ?? "";
  const domain = email.split("@")[1] ?? "";
  if (BLOCKED.includes(domain)) {
    throw new Error(`Sign-ups from ${domain} are not allowed`);
  }
  if (domain === OWN_DOMAIN && event.triggerSource === "PreSignUp_SignUp") {
    event.response.autoConfirmUser = true;
    event.response.autoVerifyEmail = true;
  }
  return event;
};
