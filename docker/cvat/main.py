"""CVAT serverless detector (nuclio) that forwards to vlm-loop's synchronous predict.

CVAT sends {"image": <base64>, "threshold": <float>}; this answers CVAT's list of
{"confidence", "label", "type": "mask", "mask", "points"} where `mask` is the row-major 0/1 crop of
the mask's tight box followed by xtl, ytl, xbr, ybr (inclusive), and `points` the box as a polygon.
Standard library only, so the function image needs no pip install.

Environment: VLM_LOOP_URL (e.g. http://vlm-loop:8080), VLM_LOOP_PROJECT_ID, VLM_LOOP_API_KEY (a key of
that project) and VLM_LOOP_MODEL_VERSION (a version id, or `active`, the default).
"""

import base64
import json
import os
import urllib.error
import urllib.request
import uuid


def init_context(context):
    base = os.environ["VLM_LOOP_URL"].rstrip("/")
    project = int(os.environ["VLM_LOOP_PROJECT_ID"])
    version = os.environ.get("VLM_LOOP_MODEL_VERSION", "active")
    context.user_data.predict_url = f"{base}/v1/projects/{project}/model-versions/{version}/predict"
    context.user_data.api_key = os.environ["VLM_LOOP_API_KEY"]
    context.user_data.timeout = float(os.environ.get("VLM_LOOP_TIMEOUT_S", "60"))


def handler(context, event):
    data = event.body if isinstance(event.body, dict) else json.loads(event.body)
    image = base64.b64decode(data["image"])
    threshold = float(data.get("threshold", 0.5))
    try:
        result = predict(context.user_data, image, threshold)
    except urllib.error.HTTPError as err:
        # vlm-loop answers problem+json; pass its detail on so CVAT shows why.
        detail = err.read().decode("utf-8", "replace")
        context.logger.error(f"predict answered {err.code}: {detail}")
        return context.Response(
            body=json.dumps({"error": f"vlm-loop predict answered {err.code}", "detail": detail}),
            headers={},
            content_type="application/json",
            status_code=502,
        )
    shapes = [to_cvat(d) for d in result["detections"]]
    return context.Response(
        body=json.dumps([s for s in shapes if s is not None]),
        headers={},
        content_type="application/json",
        status_code=200,
    )


def predict(settings, image, threshold):
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"scoreThreshold\"\r\n\r\n{threshold}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"frame\"\r\n".encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            image,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(
        settings.predict_url,
        data=body,
        method="POST",
        headers={
            "authorization": f"Bearer {settings.api_key}",
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=settings.timeout) as response:
        return json.load(response)


def to_cvat(detection):
    """One detection as CVAT's mask shape, or None when its mask is empty."""
    height, width = detection["segmentation"]["size"]
    mask = decode_rle(detection["segmentation"]["counts"], height, width)
    box = tight_box(mask, width, height)
    if box is None:
        return None
    x1, y1, x2, y2 = box
    crop = [mask[y * width + x] for y in range(y1, y2 + 1) for x in range(x1, x2 + 1)]
    return {
        "confidence": str(detection["score"]),
        "label": detection["categoryName"],
        "type": "mask",
        "mask": crop + [x1, y1, x2, y2],
        "points": [x1, y1, x2, y1, x2, y2, x1, y2],
    }


def decode_rle(counts, height, width):
    """pycocotools' compressed RLE string -> row-major 0/1 list (its runs are column-major)."""
    runs = []
    p = 0
    while p < len(counts):
        x = 0
        k = 0
        more = True
        while more:
            c = ord(counts[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(runs) > 2:
            x += runs[-2]
        runs.append(x)
    mask = [0] * (height * width)
    i = 0
    for r, length in enumerate(runs):
        if r % 2 == 1:
            for j in range(i, i + length):
                mask[(j % height) * width + j // height] = 1
        i += length
    return mask


def tight_box(mask, width, height):
    xs = [i % width for i, v in enumerate(mask) if v]
    if not xs:
        return None
    ys = [i // width for i, v in enumerate(mask) if v]
    return min(xs), min(ys), max(xs), max(ys)
