"""A weight per instance on the mask loss.

Labels a judge approved are the model's own masks: 28 x 28 logits, upsampled
and thresholded. They are right at IoU 0.6 but coarser than drawn outlines,
and training the mask head on them teaches it its own blur (the demo's loop
lost 0.03 mask AP to its same-compute control that way; docs/runs.md). With
``hyper.approvedMaskWeight`` below 1 such instances still teach the RPN, boxes
and classes in full, while their share of the mask loss shrinks (0: none).

Targets carry ``mask_weights`` (one float per instance, ``data.py``).
``install_mask_weights`` wraps the RoI heads' ``forward`` so that, during
that call, torchvision's ``maskrcnn_loss`` (looked up as a module global at
call time) is the weighted one below. The weighted loss is the mean over
positive RoIs of ``weight x per-RoI BCE``: with every weight 1 it is
torchvision's loss, and a batch whose weights are all 1 takes torchvision's
own function, so a run without approved labels trains bit for bit as before.
"""

from __future__ import annotations

import contextvars
import types

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection import roi_heads as tv_roi_heads

WEIGHTS_KEY = "mask_weights"

_torchvision_maskrcnn_loss = tv_roi_heads.maskrcnn_loss
_batch_weights: contextvars.ContextVar[list[Tensor] | None] = contextvars.ContextVar("mask_weights", default=None)


def install_mask_weights(model: MaskRCNN) -> None:
    """Idempotent; harmless for targets without ``mask_weights``."""
    tv_roi_heads.maskrcnn_loss = _maskrcnn_loss
    model.roi_heads.forward = types.MethodType(_roi_heads_forward, model.roi_heads)


def _roi_heads_forward(self, features, proposals, image_shapes, targets=None):
    weights = None
    if targets is not None and all(WEIGHTS_KEY in t for t in targets):
        weights = [t[WEIGHTS_KEY] for t in targets]
        if all(bool((w == 1).all()) for w in weights):
            weights = None
    token = _batch_weights.set(weights)
    try:
        return type(self).forward(self, features, proposals, image_shapes, targets)
    finally:
        _batch_weights.reset(token)


def _maskrcnn_loss(mask_logits, proposals, gt_masks, gt_labels, mask_matched_idxs):
    weights = _batch_weights.get()
    if weights is None:
        return _torchvision_maskrcnn_loss(mask_logits, proposals, gt_masks, gt_labels, mask_matched_idxs)
    return weighted_maskrcnn_loss(mask_logits, proposals, gt_masks, gt_labels, mask_matched_idxs, weights)


def weighted_maskrcnn_loss(
    mask_logits: Tensor,
    proposals: list[Tensor],
    gt_masks: list[Tensor],
    gt_labels: list[Tensor],
    mask_matched_idxs: list[Tensor],
    gt_weights: list[Tensor],
) -> Tensor:
    """torchvision's ``maskrcnn_loss`` with each positive RoI's BCE scaled by
    the weight of the instance it is matched to (mean over RoIs)."""
    size = mask_logits.shape[-1]
    labels = torch.cat([lab[idx] for lab, idx in zip(gt_labels, mask_matched_idxs)], dim=0)
    weights = torch.cat([w.to(mask_logits.device)[idx] for w, idx in zip(gt_weights, mask_matched_idxs)], dim=0)
    targets = [
        tv_roi_heads.project_masks_on_boxes(m, p, i, size) for m, p, i in zip(gt_masks, proposals, mask_matched_idxs)
    ]
    mask_targets = torch.cat(targets, dim=0)
    if mask_targets.numel() == 0:
        return mask_logits.sum() * 0
    logits = mask_logits[torch.arange(labels.shape[0], device=labels.device), labels]
    per_roi = F.binary_cross_entropy_with_logits(logits, mask_targets, reduction="none").mean(dim=(1, 2))
    return (per_roi * weights.to(per_roi.dtype)).sum() / per_roi.shape[0]
