"""Crowd annotations as ignore regions during training.

A crowd region (COCO ``iscrowd: 1``; here also the predictions a judge
rejected on an otherwise accepted image) is neither an object nor
background: COCO evaluation ignores detections there, so training must
neither learn it as an object nor push it towards background. Targets carry
it as ``crowd_boxes`` (K x 4 xyxy, see ``data.augment``); without this module
torchvision would ignore the key and sample the region as background.

``install_ignore_regions`` hooks three places of a torchvision MaskRCNN:

- the transform's ``resize``: crowd boxes are scaled like the image;
- the RPN's ``assign_targets_to_anchors``: background anchors (label 0)
  covered by a crowd box (intersection / anchor area >= IGNORE_IOA) become
  -1, which the fg/bg sampler skips;
- the RoI heads' ``assign_targets_to_proposals``: same for proposals. It runs
  inside ``select_training_samples`` *before* the sampler, so the sampler
  never draws them; that method does not receive the targets, so
  ``select_training_samples`` leaves the image's crowd boxes on the module
  for the duration of the call.

Only label-0 entries change, so positives and their box/mask targets are
untouched. The hooks are bound methods on the instances (not closures over
the original bound methods), so ``copy.deepcopy(model)`` (export) rebinds
them to the copy. At inference there are no targets and nothing changes.
"""

from __future__ import annotations

import types

import torch
from torch import Tensor
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.transform import resize_boxes

IGNORE_IOA = 0.5
CROWD_KEY = "crowd_boxes"


def install_ignore_regions(model: MaskRCNN) -> None:
    """Idempotent; harmless for targets without ``crowd_boxes``."""
    hooks = (
        (model.transform, "resize", _resize),
        (model.rpn, "assign_targets_to_anchors", _assign_targets_to_anchors),
        (model.roi_heads, "select_training_samples", _select_training_samples),
        (model.roi_heads, "assign_targets_to_proposals", _assign_targets_to_proposals),
    )
    for module, name, fn in hooks:
        setattr(module, name, types.MethodType(fn, module))
    model.roi_heads._crowd_boxes = None


def ignored_by_crowd(boxes: Tensor, crowd: Tensor | None, thresh: float = IGNORE_IOA) -> Tensor:
    """Bool (N,): intersection / area of each box with some crowd box >= thresh.
    Intersection over the box's own area (not IoU): a small anchor inside a
    large crowd region has a low IoU with it but lies entirely in it."""
    if crowd is None or crowd.numel() == 0 or boxes.numel() == 0:
        return torch.zeros(boxes.shape[0], dtype=torch.bool, device=boxes.device)
    # float32 even under AMP: fp16 anchors (the anchor generator follows the
    # features' dtype) overflow in areas above 65504 px, e.g. a 512 px anchor
    boxes = boxes.float()
    crowd = crowd.to(device=boxes.device, dtype=torch.float32)
    lt = torch.max(boxes[:, None, :2], crowd[None, :, :2])
    rb = torch.min(boxes[:, None, 2:], crowd[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=2)
    area = (boxes[:, 2:] - boxes[:, :2]).clamp(min=0).prod(dim=1).clamp(min=1e-6)
    return (inter / area[:, None]).max(dim=1).values >= thresh


def _ignore_background(labels: Tensor, boxes: Tensor, crowd: Tensor | None) -> Tensor:
    """-1 for background entries (label 0) inside a crowd region; others kept.
    Positives stay positives: an object inside a crowd region is still one."""
    drop = (labels == 0) & ignored_by_crowd(boxes, crowd)
    if not bool(drop.any()):
        return labels
    labels = labels.clone()
    labels[drop] = -1
    return labels


def _resize(self, image: Tensor, target: dict[str, Tensor] | None = None):
    # torchvision resizes only "boxes"/"masks"/"keypoints" of a target
    h, w = image.shape[-2:]
    image, target = type(self).resize(self, image, target)
    if target is not None and CROWD_KEY in target:
        target[CROWD_KEY] = resize_boxes(target[CROWD_KEY], (h, w), image.shape[-2:])
    return image, target


def _assign_targets_to_anchors(self, anchors: list[Tensor], targets: list[dict[str, Tensor]]):
    labels, matched = type(self).assign_targets_to_anchors(self, anchors, targets)
    labels = [_ignore_background(lab, a, t.get(CROWD_KEY)) for lab, a, t in zip(labels, anchors, targets)]
    return labels, matched


def _select_training_samples(self, proposals: list[Tensor], targets: list[dict[str, Tensor]] | None):
    self._crowd_boxes = [t.get(CROWD_KEY) for t in targets] if targets is not None else None
    try:
        return type(self).select_training_samples(self, proposals, targets)
    finally:
        self._crowd_boxes = None


def _assign_targets_to_proposals(self, proposals: list[Tensor], gt_boxes: list[Tensor], gt_labels: list[Tensor]):
    matched, labels = type(self).assign_targets_to_proposals(self, proposals, gt_boxes, gt_labels)
    crowd = self._crowd_boxes or [None] * len(proposals)
    labels = [_ignore_background(lab, p, c) for lab, p, c in zip(labels, proposals, crowd)]
    return matched, labels
