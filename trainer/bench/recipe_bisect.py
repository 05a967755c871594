"""Short from-scratch runs of variants of the `small` recipe, compared by held-out
mask AP at equal iterations (the machine is shared: time is measured separately).

    trainer/.venv/bin/python trainer/bench/recipe_bisect.py --data /tmp/vlm-loop-trainer-bench/data \
        --iters 400 --eval-at 200,300,400 --variant p2 aligned=1 total=800 levels=1,2,3,4 anchors=8,16,32,64,128

DEFAULTS are the `small` preset as it was before the aligned-RoIAlign and P2
changes (aligned=0, levels=2,3,4, anchors 16-96); `data` is the directory
train_bench.py writes (v1.json train, test.json held-out). Each variant's
losses and evaluations are appended to --out as one JSON line.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from torchvision.models.detection import MaskRCNN  # noqa: E402
from torchvision.models.detection.anchor_utils import AnchorGenerator  # noqa: E402
from torchvision.models.detection.backbone_utils import BackboneWithFPN  # noqa: E402
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead  # noqa: E402
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor  # noqa: E402
from torchvision.models.detection.rpn import RPNHead  # noqa: E402
from torchvision.ops import MultiScaleRoIAlign  # noqa: E402
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool  # noqa: E402

from vlm_loop_trainer.data import AugmentConfig, BatchSchedule, CocoInstances, TrainBatches  # noqa: E402
from vlm_loop_trainer.engine import build_coco_gt, evaluate, lr_lambda  # noqa: E402
from vlm_loop_trainer.models import group_norm, resnet18_layout  # noqa: E402

DEFAULTS = dict(
    sr=1, boxbatch=96, postnms=500, prenms=1000, nodecay=1, wd=1e-4, dets=50, cj=0.1, sj="0.75,1.25",
    lr=2e-3, warm=100, batch=4, levels="2,3,4", anchors="16,32,64,96", size=160, det=0, clip=10.0, total=0,
    fused=1, scorethr=0.05, mask14=14, aligned=0, bw=64, maxpool=1, pos=0.25, fpnw=64,
)


def set_aligned(on: bool):
    """aligned=1: half-pixel-correct RoIAlign for the mask targets and the poolers."""
    import torchvision.models.detection.roi_heads as rh
    import torchvision.ops.poolers as pl
    from torchvision.ops import roi_align

    if not hasattr(rh, "_orig_project"):
        rh._orig_project = rh.project_masks_on_boxes
        pl._orig_roi_align = pl.roi_align

    def project(gt_masks, boxes, matched_idxs, M):
        rois = torch.cat([matched_idxs.to(boxes)[:, None], boxes], dim=1)
        return roi_align(gt_masks[:, None].to(rois), rois, (M, M), 1.0, sampling_ratio=2, aligned=True)[:, 0]

    rh.project_masks_on_boxes = project if on else rh._orig_project
    pl.roi_align = partial(pl._orig_roi_align, aligned=True) if on else pl._orig_roi_align


def build(o, ncls):
    set_aligned(bool(int(o["aligned"])))
    gn = partial(group_norm, groups=16)
    bw, fw = int(o["bw"]), int(o["fpnw"])
    # bw=64 maxpool=1 is ResNet-18 itself; maxpool=0 runs every stage at half the usual stride
    body = resnet18_layout(bw, stem_max_pool=bool(int(o["maxpool"])))
    levels = [int(x) for x in str(o["levels"]).split(",")]
    chans = {1: bw, 2: bw * 2, 3: bw * 4, 4: bw * 8}
    fpn = BackboneWithFPN(body, return_layers={f"layer{l}": str(i) for i, l in enumerate(levels)},
                          in_channels_list=[chans[l] for l in levels], out_channels=fw, extra_blocks=LastLevelMaxPool(), norm_layer=gn)
    sizes = [int(x) for x in str(o["anchors"]).split(",")]
    anchors = AnchorGenerator(sizes=tuple((s,) for s in sizes), aspect_ratios=((0.5, 1.0, 2.0),) * len(sizes))
    names = [str(i) for i in range(len(levels))]
    return MaskRCNN(
        fpn, num_classes=None, rpn_anchor_generator=anchors,
        rpn_head=RPNHead(fw, 3), box_head=TwoMLPHead(fw * 49, 512), box_predictor=FastRCNNPredictor(512, ncls),
        mask_head=MaskRCNNHeads(fw, [fw] * 4, 1, norm_layer=gn), mask_predictor=MaskRCNNPredictor(fw, fw, ncls),
        box_roi_pool=MultiScaleRoIAlign(names, 7, sampling_ratio=int(o["sr"])),
        mask_roi_pool=MultiScaleRoIAlign(names, int(o["mask14"]), sampling_ratio=int(o["sr"])),
        rpn_pre_nms_top_n_train=int(o["prenms"]), rpn_post_nms_top_n_train=int(o["postnms"]),
        rpn_pre_nms_top_n_test=500, rpn_post_nms_top_n_test=300,
        box_batch_size_per_image=int(o["boxbatch"]), box_detections_per_img=int(o["dets"]),
        box_positive_fraction=float(o["pos"]),
        box_score_thresh=float(o["scorethr"]),
        min_size=int(o["size"]), max_size=int(round(int(o["size"]) * 1333 / 800)),
    )


def run(name, o, args, train_ds, val_ds, gt):
    torch.manual_seed(args.seed)
    if int(o["det"]):
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        torch.use_deterministic_algorithms(False)
    model = build(o, 7)
    model.train()
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if (p.ndim <= 1 and int(o["nodecay"])) else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": float(o["wd"])}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=float(o["lr"]), fused=bool(int(o["fused"])))
    total = int(o["total"]) or args.iters
    hyper = {"warmupIterations": int(o["warm"]), "warmupFactor": 0.001, "lrSchedule": "cosine", "minLrFactor": 0.02}
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(hyper, total))
    sj = [float(x) for x in str(o["sj"]).split(",")] if o["sj"] not in ("", "none", None) else None
    aug = AugmentConfig(hflip=True, scale_jitter=tuple(sj) if sj else None, color_jitter=float(o["cj"]))
    schedule = BatchSchedule(len(train_ds), int(o["batch"]), args.seed)
    batches = TrainBatches(train_ds, schedule, aug, args.seed, 0, args.iters)
    log = {"name": name, "opts": o, "evals": [], "losses": [], "load": []}
    t_train = 0.0
    acc = {}
    evals = sorted(int(x) for x in args.eval_at.split(","))
    for k in range(len(batches)):
        t0 = time.perf_counter()
        it, images, targets = batches[k]
        ld = model(images, targets)
        loss = sum(ld.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if float(o["clip"]):
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(o["clip"]))
        opt.step()
        sched.step()
        t_train += time.perf_counter() - t0
        for kk, v in ld.items():
            acc[kk] = acc.get(kk, 0.0) + float(v.detach())
        n = it + 1
        if n % 50 == 0:
            row = {"it": n, **{kk: round(v / 50, 4) for kk, v in acc.items()}, "lr": opt.param_groups[0]["lr"], "s_per_it": round(t_train / n, 3), "load": os.getloadavg()[0]}
            log["losses"].append(row)
            print(name, json.dumps(row), flush=True)
            acc = {}
        if n in evals:
            t1 = time.perf_counter()
            m = evaluate(model, val_ds, gt, torch.device("cpu"), batch_size=8)
            row = {"it": n, "segmAP": round(m["segmAP"], 4), "segmAP50": round(m["segmAP50"], 4), "bboxAP": round(m["bboxAP"], 4), "train_s": round(t_train, 1), "eval_s": round(time.perf_counter() - t1, 1), "load": [round(x, 2) for x in os.getloadavg()]}
            log["evals"].append(row)
            print(name, "EVAL", json.dumps(row), flush=True)
    if args.save:
        torch.save({"opts": o, "model": model.state_dict()}, os.path.join(args.save, f"{name}.pt"))
    return log


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/tsb/data")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--eval-at", default="300")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="/tmp/aud/bisect.jsonl")
    ap.add_argument("--save", default="", help="directory: saves each variant's final weights as NAME.pt")
    ap.add_argument("--variant", nargs="+", action="append", required=True, help="name key=value ...")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cats = [{"id": i + 1, "name": str(i + 1)} for i in range(6)]
    train_ds = CocoInstances(os.path.join(args.data, "v1.json"), None, cats, cache_images=True)
    val_ds = CocoInstances(os.path.join(args.data, "test.json"), None, cats, cache_images=True)
    gt = build_coco_gt(val_ds)
    for v in args.variant:
        o = dict(DEFAULTS)
        for kv in v[1:]:
            k, val = kv.split("=", 1)
            assert k in o, k
            o[k] = val
        log = run(v[0], o, args, train_ds, val_ds, gt)
        with open(args.out, "a") as f:
            f.write(json.dumps(log) + "\n")


if __name__ == "__main__":
    main()
