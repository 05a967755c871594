"""Loads our exports with pycocotools, as their users do, for test/routes/tool-exports.test.ts.

stdin: {"gt": path of our COCO export, "results": path of COCO results, "cvat": path of the CVAT COCO 1.0}.
stdout: what pycocotools made of them: the loaded results (area, bbox, our extra fields), COCOeval's
segm stats of the results against the ground truth, and the CVAT file's masks as compressed RLE.
"""

import contextlib
import io
import json
import sys

import numpy as np

from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

args = json.load(sys.stdin)
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(args["gt"])
    dt = gt.loadRes(args["results"])
    ev = COCOeval(gt, dt, "segm")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    cvat = COCO(args["cvat"])

loaded = [dt.anns[i] for i in sorted(dt.anns)]
out = {
    "results": [
        {k: (v if k != "segmentation" else None) for k, v in a.items() if k != "segmentation"}
        for a in loaded
    ],
    "areas": [float(a["area"]) for a in loaded],
    "stats": [float(s) for s in ev.stats],
    "cvat": {
        "images": sorted(img["file_name"] for img in cvat.dataset["images"]),
        "licenses": cvat.dataset.get("licenses"),
        "masks": {
            str(a["id"]): mask_utils.encode(np.asfortranarray(cvat.annToMask(a)))["counts"].decode()
            for a in cvat.dataset["annotations"]
        },
    },
}
print(json.dumps(out))
