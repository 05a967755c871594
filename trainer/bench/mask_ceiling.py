"""Mask AP ceiling of Mask R-CNN's mask representation on a COCO split.

Every ground-truth mask is projected onto its own (perfect) box as an MxM
training target, pasted back the way inference pastes predicted masks
(torchvision's paste_masks_in_image) and scored with pycocotools against the
ground truth. No trained model can beat this number, so it shows what the
target projection alone costs: torchvision's legacy aligned=False projection
versus the half-pixel-correct aligned=True one the trainer now uses.

    trainer/.venv/bin/python trainer/bench/mask_ceiling.py /tmp/vlm-loop-trainer-bench/data/test.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from pycocotools import mask as mask_utils
from torchvision.models.detection.roi_heads import paste_masks_in_image
from torchvision.ops import roi_align

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from vlm_loop_trainer.data import CocoInstances  # noqa: E402
from vlm_loop_trainer.engine import build_coco_gt, coco_metrics  # noqa: E402


def ceiling(ds: CocoInstances, gt, size: int, aligned: bool) -> dict:
    res = []
    for i in range(len(ds)):
        img, t = ds.get(i)
        if len(t["labels"]) == 0:
            continue
        b = t["boxes"]
        rois = torch.cat([torch.arange(len(b))[:, None].float(), b], 1)
        target = roi_align(t["masks"][:, None].float(), rois, (size, size), 1.0, aligned=aligned)[:, 0]
        pasted = paste_masks_in_image(target[:, None], b, tuple(img.shape[-2:]))[:, 0] > 0.5
        for j in range(len(b)):
            rle = mask_utils.encode(np.asfortranarray(pasted[j].numpy().astype(np.uint8)))
            rle["counts"] = rle["counts"].decode("ascii")
            x1, y1, x2, y2 = b[j].tolist()
            res.append({"image_id": ds.records[i].image_id, "category_id": int(t["labels"][j]), "bbox": [x1, y1, x2 - x1, y2 - y1], "score": 1.0, "segmentation": rle})
    # labels are 1..K in the order of the file's categories: map back to ids
    label_to_cat = {v: k for k, v in ds.cat_to_label.items()}
    for r in res:
        r["category_id"] = label_to_cat[r["category_id"]]
    m = coco_metrics(gt, res)
    return {"size": size, "aligned": aligned, "segmAP": round(m["segmAP"], 4), "segmAP75": round(m["segmAP75"], 4)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("coco")
    ap.add_argument("--sizes", default="28")
    args = ap.parse_args()
    cats = json.loads(Path(args.coco).read_text())["categories"]
    ds = CocoInstances(args.coco, None, cats)
    gt = build_coco_gt(ds)
    for size in (int(s) for s in args.sizes.split(",")):
        for aligned in (False, True):
            print(json.dumps(ceiling(ds, gt, size, aligned)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
