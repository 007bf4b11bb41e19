// Test fixture: a CommonJS handler (callback style) that answers something other than the event.
exports.handler = function (event, context, callback) {
  callback(null, "ok");
};
