"""Calls docker/cvat/main.py's handler as nuclio does for CVAT, for test/docker/cvat-detector.test.ts.

argv: <function dir> <output file>. stdin: the JSON body CVAT's lambda manager sends,
{"image": <base64>, "threshold": <float>}. The function's settings come from the environment, as in
function.yaml. nuclio-sdk's test platform runs init_context once, then the handler with the event.
Writes {"status", "contentType", "body"} to the output file (nuclio's logger writes to stdout).
"""

import json
import sys

import nuclio_sdk
from nuclio_sdk.test.mock_platform import Platform

function_dir, output = sys.argv[1], sys.argv[2]
sys.path.insert(0, function_dir)
import main  # noqa: E402  (the function's handler module, as nuclio loads it: main:handler)

event = nuclio_sdk.Event(
    body=json.load(sys.stdin),
    content_type="application/json",
    method="POST",
    path="/",
    headers={"Content-Type": "application/json"},
)
response = Platform().call_handler(main.handler, event)
with open(output, "w") as f:
    json.dump(
        {"status": response.status_code, "contentType": response.content_type, "body": json.loads(response.body)},
        f,
    )
