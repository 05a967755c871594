"""Golden answers from cvat-sdk for test/coco/cvat-mask.test.ts.

Reads JSON on stdin: {"cases": [{"width", "height", "mask": "0101...", "bbox": [x1,y1,x2,y2] | null,
"ours": [...], "detector": [...] | null}]} and writes, per case, cvat-sdk's encode_mask of the mask,
decode_mask of our encoding (as a 0/1 string), and the shape encoding CVAT derives from our detector
mask (encode_mask of the crop placed in the image, with the detector's box).
"""

import json
import sys

import numpy as np
from cvat_sdk.masks import decode_mask, encode_mask


def bits(mask):
    return "".join("1" if v else "0" for v in mask.ravel())


def answer(case):
    w, h = case["width"], case["height"]
    mask = np.array([c == "1" for c in case["mask"]], dtype=bool).reshape(h, w)
    out = {
        "encoded": encode_mask(mask, case["bbox"]) if case["bbox"] else encode_mask(mask),
        "decoded": bits(decode_mask(case["ours"], image_width=w, image_height=h)),
    }
    det = case["detector"]
    if det is not None:
        x1, y1, x2, y2 = det[-4:]
        full = np.zeros((h, w), dtype=bool)
        full[y1 : y2 + 1, x1 : x2 + 1] = np.array(det[:-4], dtype=bool).reshape(y2 - y1 + 1, x2 - x1 + 1)
        out["fromDetector"] = encode_mask(full, [x1, y1, x2 + 1, y2 + 1])
    return out


print(json.dumps([answer(c) for c in json.load(sys.stdin)["cases"]]))
