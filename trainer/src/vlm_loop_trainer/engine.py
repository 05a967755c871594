"""Training step, learning-rate schedule and COCO evaluation."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import math
from typing import Any

import numpy as np
import torch
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from .data import CocoInstances, decode_segmentation

log = logging.getLogger(__name__)


class NonFiniteLoss(RuntimeError):
    def __init__(self, iteration: int, losses: dict[str, float]):
        super().__init__(f"loss is not finite at iteration {iteration}: {losses}")
        self.iteration = iteration
        self.losses = losses


# ----------------------------------------------------------------------------
# optimiser and schedule


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 else decay).append(p)  # norms and biases: no decay
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def build_optimizer(model: torch.nn.Module, hyper: dict, device: torch.device) -> torch.optim.Optimizer:
    groups = param_groups(model, float(hyper["weightDecay"]))
    lr = float(hyper["lr"])
    if hyper["optimizer"] == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=float(hyper["momentum"]))
    kw: dict[str, Any] = {}
    # the fused kernel is much faster than the per-tensor loop on CPU and on GPU
    kw["fused"] = True
    try:
        return torch.optim.AdamW(groups, lr=lr, **kw)
    except (RuntimeError, TypeError):  # pragma: no cover - older torch / odd device
        return torch.optim.AdamW(groups, lr=lr)


def lr_lambda(hyper: dict, total: int):
    warm = int(hyper["warmupIterations"])
    wf = float(hyper["warmupFactor"])
    sched = hyper["lrSchedule"]
    min_f = float(hyper["minLrFactor"])

    def f(it: int) -> float:
        w = 1.0
        if it < warm:
            w = wf + (1 - wf) * it / max(1, warm)
        if sched == "constant":
            return w
        if sched == "step":
            return w * (0.1 ** sum(it >= m for m in (int(total * 2 / 3), int(total * 8 / 9))))
        span = max(1, total - warm)
        t = min(1.0, max(0.0, (it - warm) / span))
        return w * (min_f + (1 - min_f) * 0.5 * (1 + math.cos(math.pi * t)))

    return f


# ----------------------------------------------------------------------------
# one training iteration


def train_step(model, optimizer, scheduler, scaler, images, targets, device, amp: bool, grad_clip: float | None, iteration: int):
    images = [im.to(device, non_blocking=True) for im in images]
    targets = [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in targets]
    with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
        loss_dict = model(images, targets)
    loss = sum(loss_dict.values())
    vals = {k: float(v.detach()) for k, v in loss_dict.items()}
    vals["total"] = float(loss.detach())
    if not all(math.isfinite(v) for v in vals.values()):
        raise NonFiniteLoss(iteration, vals)
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        if grad_clip:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        if grad_clip:
            gn = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            if not torch.isfinite(gn):
                raise NonFiniteLoss(iteration, {**vals, "gradNorm": float(gn)})
        optimizer.step()
    scheduler.step()
    return vals


# ----------------------------------------------------------------------------
# evaluation (pycocotools COCOeval, segm + bbox)


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
