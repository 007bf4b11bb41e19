// cognate's trigger runner for Node: loads one handler file (`.mjs` or `.js`, ES module or
// CommonJS) and keeps it warm, as a Lambda container keeps a function. Protocol, one JSON
// document per line: cognate writes `{"event": …, "context": {"functionName": …,
// "awsRequestId": …, "deadlineMs": …}}` to stdin; the runner answers `{"result": …}` or
// `{"error": {"errorType": …, "errorMessage": …}}` on the protocol channel. The handler's own
// console output goes to stderr, so it cannot corrupt the protocol.
//
// The handler is called as AWS's Node runtime calls it: `handler(event, context, callback)`;
// a returned promise (an async handler) or the callback, whichever comes first, ends the call.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const out = process.stdout.write.bind(process.stdout);
for (const level of ["log", "info", "debug", "warn"]) {
  console[level] = (...args) => console.error(...args);
}

const file = resolve(process.argv[process.argv.length - 1]);
const mod = await import(pathToFileURL(file).href);
const handler = mod.handler ?? mod.default?.handler;
if (typeof handler !== "function") {
  console.error(`cognate trigger runner: ${file} exports no function named handler`);
  process.exit(3);
}

function failure(err) {
  if (err instanceof Error) {
    return { errorType: err.name || "Error", errorMessage: err.message };
  }
  return { errorType: "Error", errorMessage: typeof err === "string" ? err : JSON.stringify(err) };
}

function invoke(event, ctx) {
  return new Promise((done) => {
    let settled = false;
    const finish = (answer) => {
      if (!settled) {
        settled = true;
        done(answer);
      }
    };
    const callback = (err, result) =>
      finish(err != null ? { error: failure(err) } : { result: result ?? null });
    const context = {
      functionName: ctx.functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: ctx.invokedFunctionArn,
      memoryLimitInMB: "128",
      awsRequestId: ctx.awsRequestId,
      logGroupName: `/aws/lambda/${ctx.functionName}`,
      logStreamName: "cognate",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, ctx.deadlineMs - Date.now()),
      succeed: (result) => callback(null, result),
      fail: (err) => callback(err),
      done: (err, result) => callback(err, result),
    };
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") {
        returned.then((result) => callback(null, result), (err) => callback(err));
      }
    } catch (err) {
      callback(err);
    }
  });
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    const { event, context } = JSON.parse(line);
    answer = await invoke(event, context);
  } catch (err) {
    answer = { error: failure(err) };
  }
  let text;
  try {
    text = JSON.stringify(answer);
  } catch (err) {
    text = JSON.stringify({ error: failure(err) });
  }
  out(text + "\n");
}
