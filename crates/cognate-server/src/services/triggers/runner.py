# cognate's trigger runner for Python: loads one handler file and keeps it warm, as a Lambda
# container keeps a function. Protocol, one JSON document per line: cognate writes
# {"event": ..., "context": {"functionName": ..., "awsRequestId": ..., "deadlineMs": ...}} to
# stdin; the runner answers {"result": ...} or {"error": {"errorType": ..., "errorMessage": ...}}.
# print() in the handler goes to stderr, so it cannot corrupt the protocol.
#
# The handler is called as AWS's Python runtime calls it: handler(event, context).
import importlib.util
import json
import os
import sys
import time

protocol = sys.stdout
sys.stdout = sys.stderr

path = os.path.abspath(sys.argv[-1])
sys.path.insert(0, os.path.dirname(path))
spec = importlib.util.spec_from_file_location(
    os.path.splitext(os.path.basename(path))[0], path
)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
handler = getattr(module, "handler", None)
if not callable(handler):
    print(f"cognate trigger runner: {path} defines no function named handler", file=sys.stderr)
    sys.exit(3)


class Context:
    """The attributes of AWS's LambdaContext that handlers read."""

    def __init__(self, ctx):
        self.function_name = ctx.get("functionName", "")
        self.function_version = "$LATEST"
        self.invoked_function_arn = ctx.get("invokedFunctionArn", "")
        self.memory_limit_in_mb = 128
        self.aws_request_id = ctx.get("awsRequestId", "")
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "cognate"
        self._deadline_ms = ctx.get("deadlineMs", 0)

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


for line in sys.stdin:
    if not line.strip():
        continue
    try:
        request = json.loads(line)
        answer = {"result": handler(request["event"], Context(request["context"]))}
        text = json.dumps(answer)
    except Exception as err:  # the handler's failure is the answer
        text = json.dumps({"error": {"errorType": type(err).__name__, "errorMessage": str(err)}})
    protocol.write(text + "\n")
    protocol.flush()
