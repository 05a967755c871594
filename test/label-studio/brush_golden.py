"""Both directions of the brush RLE golden test, with label-studio-sdk's own converter.

stdin: {"cases": [{"width", "height", "mask": "0101..." row-major, "ours": [bytes]}]}
stdout: {"cases": [{"decoded": "0101..." (our RLE decoded by the SDK, alpha > 0), "sdk": [bytes of mask2rle]}]}
"""
import json
import sys

import numpy as np
from label_studio_sdk.converter import brush


def main():
    out = []
    for case in json.load(sys.stdin)["cases"]:
        h, w = case["height"], case["width"]
        mask = np.frombuffer(case["mask"].encode(), dtype=np.uint8).reshape(h, w) - ord("0")
        decoded = brush.decode_rle(case["ours"]).reshape(h, w, 4)[:, :, 3]
        sdk = brush.mask2rle((mask * 255).astype(np.uint8))
        out.append({
            "decoded": "".join("1" if v else "0" for v in decoded.ravel()),
            "sdk": [int(b) for b in sdk],
        })
    json.dump({"cases": out}, sys.stdout)


main()
