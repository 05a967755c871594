"""COCO evaluation (pycocotools COCOeval, segm + bbox): the ground truth, the
model's predictions in COCO result form, and the metrics the trainer reports."""

from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
import torch
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from .data import CocoInstances, decode_segmentation


def build_coco_gt(ds: CocoInstances) -> COCO:
    """A cleaned ground truth restricted to the spec's categories, with the
    fields COCOeval needs (area, iscrowd, ids) filled in."""
    cats = [c for c in ds.coco.get("categories", []) if c["id"] in ds.cat_to_label]
    known = {c["id"] for c in cats}
    for cid in ds.cat_to_label:
        if cid not in known:
            cats.append({"id": cid, "name": str(cid)})
    images = [{k: v for k, v in im.items()} for im in ds.coco["images"]]
    size = {}
    for im, r in zip(images, ds.records):
        if not im.get("width") or not im.get("height"):
            from PIL import Image

            with Image.open(r.path) as pil:
                im["width"], im["height"] = pil.size
        size[im["id"]] = (im["height"], im["width"])
    anns = []
    for i, a in enumerate(ds.coco["annotations"]):
        if a.get("category_id") not in ds.cat_to_label or a.get("image_id") not in size:
            continue
        a = dict(a)
        a.setdefault("id", i + 1)
        a.setdefault("iscrowd", 0)
        h, w = size[a["image_id"]]
        if "area" not in a or "bbox" not in a:
            m = decode_segmentation(a["segmentation"], h, w)
            rle = mask_utils.encode(np.asfortranarray(m))
            a.setdefault("area", float(mask_utils.area(rle)))
            a.setdefault("bbox", [float(v) for v in mask_utils.toBbox(rle)])
        anns.append(a)
    gt = COCO()
    gt.dataset = {"images": images, "annotations": anns, "categories": cats}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
    return gt


@torch.no_grad()
def predict(model, ds: CocoInstances, device, batch_size: int = 8, amp: bool = False, limit: int | None = None):
    """Yields (index, prediction dict on CPU) for the dataset's images."""
    was_training = model.training
    model.eval()
    n = len(ds) if limit is None else min(limit, len(ds))
    try:
        for s in range(0, n, batch_size):
            idx = list(range(s, min(n, s + batch_size)))
            imgs = [ds.get(i)[0].to(device) for i in idx]
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
                outs = model(imgs)
            for i, o in zip(idx, outs):
                yield i, {k: v.float().cpu() if v.is_floating_point() else v.cpu() for k, v in o.items()}
    finally:
        model.train(was_training)


def predictions_to_coco(ds: CocoInstances, preds, mask_threshold: float = 0.5) -> list[dict]:
    label_to_cat = {v: k for k, v in ds.cat_to_label.items()}
    res = []
    for i, p in preds:
        image_id = ds.records[i].image_id
        boxes = p["boxes"].numpy()
        scores = p["scores"].numpy()
        labels = p["labels"].numpy()
        masks = (p["masks"][:, 0] > mask_threshold).numpy().astype(np.uint8)
        for j in range(len(scores)):
            rle = mask_utils.encode(np.asfortranarray(masks[j]))
            rle["counts"] = rle["counts"].decode("ascii")
            x1, y1, x2, y2 = (float(v) for v in boxes[j])
            res.append(
                {
                    "image_id": image_id,
                    "category_id": label_to_cat[int(labels[j])],
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": float(scores[j]),
                    "segmentation": rle,
                }
            )
    return res


def coco_metrics(gt: COCO, results: list[dict]) -> dict[str, float]:
    out = {"segmAP": 0.0, "segmAP50": 0.0, "segmAP75": 0.0, "bboxAP": 0.0, "bboxAP50": 0.0}
    if not results or not gt.getAnnIds():
        return out
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(copy.deepcopy(results))
        for iou_type, prefix in (("segm", "segm"), ("bbox", "bbox")):
            ev = COCOeval(gt, dt, iou_type)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            s = ev.stats
            out[f"{prefix}AP"] = max(0.0, float(s[0]))
            out[f"{prefix}AP50"] = max(0.0, float(s[1]))
            if prefix == "segm":
                out["segmAP75"] = max(0.0, float(s[2]))
    return out


def evaluate(model, ds: CocoInstances, gt: COCO, device, batch_size: int = 8, amp: bool = False) -> dict[str, float]:
    preds = predict(model, ds, device, batch_size=batch_size, amp=amp)
    return coco_metrics(gt, predictions_to_coco(ds, preds))
