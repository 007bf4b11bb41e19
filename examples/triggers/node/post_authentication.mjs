// PostAuthentication: an audit log line per sign-in.
export const handler = async (event) => {
  console.log(`sign-in: ${event.userName} new device: ${event.request.newDeviceUsed}`);
  return event;
};
