"""hyper.approvedMaskWeight: approved predictions' share of the mask loss.
Data path (source -> weight, kept through augmentation), the weighted loss
against torchvision's, and real training steps through the hooked model."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils
from torchvision.models.detection import roi_heads as tv_roi_heads

from conftest import assert_infers_like_plain
from vlm_loop_trainer.data import AugmentConfig, CocoInstances, augment
from vlm_loop_trainer.mask_weights import install_mask_weights, weighted_maskrcnn_loss
from vlm_loop_trainer.models import build_model

CATS = [{"id": 5, "name": "thing"}]
SIZE = 64
DRAWN = (4, 6, 26, 30)
APPROVED = (34, 30, 60, 58)
SPECK = (40, 4, 41, 5)  # 1 pixel: augmentation drops it (min_mask_pixels 4)


pytestmark = pytest.mark.usefixtures("one_thread")


def _ann(ann_id: int, box, source: str | None) -> dict:
    m = np.zeros((SIZE, SIZE), dtype=np.uint8)
    x1, y1, x2, y2 = box
    m[y1:y2, x1:x2] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    ann = {
        "id": ann_id,
        "image_id": 1,
        "category_id": 5,
        "segmentation": {"size": rle["size"], "counts": rle["counts"].decode("ascii")},
        "area": float(mask_utils.area(rle)),
        "bbox": [float(v) for v in mask_utils.toBbox(rle)],
        "iscrowd": 0,
    }
    if source is not None:
        ann["source"] = source
    return ann


def _dataset(tmp_path, objs, weight: float) -> CocoInstances:
    px = (np.random.default_rng(0).random((SIZE, SIZE, 3)) * 60 + 40).astype(np.uint8)
    for box, _ in objs:
        x1, y1, x2, y2 = box
        px[y1:y2, x1:x2] = (30, 60, 230)
    Image.fromarray(px).save(tmp_path / "a.png")
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": SIZE, "height": SIZE}],
        "annotations": [_ann(i + 1, box, source) for i, (box, source) in enumerate(objs)],
        "categories": CATS,
    }
    (tmp_path / "train.json").write_text(json.dumps(coco))
    return CocoInstances(str(tmp_path / "train.json"), None, CATS, approved_mask_weight=weight)


def _batch(ds: CocoInstances):
    img, t = augment(*ds.get(0), AugmentConfig(hflip=False, scale_jitter=None), torch.Generator())
    return [img], [t]


# ---------------------------------------------------------------- data


def test_approved_predictions_get_the_weight_and_keep_it_through_augmentation(tmp_path):
    ds = _dataset(tmp_path, [(SPECK, "approved_prediction"), (DRAWN, "human"), (APPROVED, "approved_prediction")], 0.25)
    _, t = ds.get(0)
    assert t["mask_weights"].tolist() == [0.25, 1.0, 0.25]
    assert ds.num_approved() == 2
    _, [out] = _batch(ds)
    # the speck is dropped with its weight: weights stay aligned with masks
    assert out["masks"].shape[0] == 2
    assert out["mask_weights"].tolist() == [1.0, 0.25]
    assert out["boxes"][1].tolist() == [float(v) for v in APPROVED]


def test_annotations_without_a_source_train_like_drawn_labels(tmp_path):
    ds = _dataset(tmp_path, [(DRAWN, None), (APPROVED, "import")], 0.0)
    assert ds.get(0)[1]["mask_weights"].tolist() == [1.0, 1.0]
    assert ds.num_approved() == 0


# ---------------------------------------------------------------- the loss


def _loss_inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    gt_masks = [torch.zeros(2, SIZE, SIZE, dtype=torch.uint8), torch.zeros(1, SIZE, SIZE, dtype=torch.uint8)]
    gt_masks[0][0, 4:30, 4:26] = 1
    gt_masks[0][1, 30:58, 34:60] = 1
    gt_masks[1][0, 10:40, 10:50] = 1
    proposals = [torch.tensor([[2.0, 4, 28, 32], [30, 28, 62, 60], [5, 5, 25, 29]]), torch.tensor([[8.0, 8, 52, 42]])]
    matched = [torch.tensor([0, 1, 0]), torch.tensor([0])]
    labels = [torch.tensor([1, 2]), torch.tensor([1])]
    logits = torch.randn(4, 3, 28, 28, generator=g, requires_grad=True)
    return logits, proposals, gt_masks, labels, matched


def test_unit_weights_give_torchvisions_loss():
    logits, proposals, masks, labels, matched = _loss_inputs()
    ours = weighted_maskrcnn_loss(logits, proposals, masks, labels, matched, [torch.ones(2), torch.ones(1)])
    reference = _torchvision_loss(logits, proposals, masks, labels, matched)
    torch.testing.assert_close(ours, reference)


def test_zero_weight_removes_an_instance_from_the_mask_loss_and_its_gradient():
    logits, proposals, masks, labels, matched = _loss_inputs()
    weights = [torch.tensor([1.0, 0.0]), torch.tensor([1.0])]
    loss = weighted_maskrcnn_loss(logits, proposals, masks, labels, matched, weights)
    loss.backward()
    grad_per_roi = logits.grad.abs().sum(dim=(1, 2, 3))
    assert grad_per_roi[1] == 0  # RoI 1 is matched to the zero-weight instance
    assert (grad_per_roi[[0, 2, 3]] > 0).all()
    # the others keep their full share: the mean is over all positive RoIs
    full = _torchvision_loss(logits.detach(), proposals, masks, labels, matched)
    assert 0 < loss.item() < full.item() * 1.01
    zero = weighted_maskrcnn_loss(logits, proposals, masks, labels, matched, [torch.zeros(2), torch.zeros(1)])
    assert zero.item() == 0


def test_half_weight_is_between():
    logits, proposals, masks, labels, matched = _loss_inputs(3)
    w = lambda a: weighted_maskrcnn_loss(logits, proposals, masks, labels, matched, [torch.tensor([1.0, a]), torch.ones(1)])  # noqa: E731
    assert w(0.0).item() < w(0.5).item() < w(1.0).item()
    torch.testing.assert_close(w(0.5), (w(0.0) + w(1.0)) / 2)


def _torchvision_loss(*args):
    # the original, whatever install_mask_weights did to the module global
    from vlm_loop_trainer import mask_weights

    return mask_weights._torchvision_maskrcnn_loss(*args)


# ---------------------------------------------------------------- the model


def _losses(model, ds):
    images, targets = _batch(ds)
    torch.manual_seed(0)  # the samplers draw at random
    return model(images, targets)


def test_a_hooked_model_trains_bit_for_bit_as_before_without_approved_labels(tmp_path):
    ds = _dataset(tmp_path, [(DRAWN, "human"), (APPROVED, "import")], 0.0)
    torch.manual_seed(1)
    plain = build_model("tiny", 1, SIZE).train()
    hooked = copy.deepcopy(plain)
    install_mask_weights(hooked)
    a, b = _losses(plain, ds), _losses(hooked, ds)
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_weight_zero_leaves_detection_losses_and_silences_the_mask_loss(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "zero").mkdir()
    approved_all = [(DRAWN, "approved_prediction"), (APPROVED, "approved_prediction")]
    torch.manual_seed(1)
    model = build_model("tiny", 1, SIZE).train()
    install_mask_weights(model)
    one = _losses(model, _dataset(tmp_path / "one", approved_all, 1.0))
    zero = _losses(model, _dataset(tmp_path / "zero", approved_all, 0.0))
    assert zero["loss_mask"].item() == 0 and one["loss_mask"].item() > 0
    for k in ("loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"):
        torch.testing.assert_close(zero[k], one[k])
    # and a training step still moves the detection weights but not the mask predictor
    before = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = sum(_losses(model, _dataset(tmp_path / "zero", approved_all, 0.0)).values())
    opt.zero_grad()
    loss.backward()
    opt.step()
    after = model.state_dict()
    assert torch.equal(before["roi_heads.mask_predictor.mask_fcn_logits.weight"], after["roi_heads.mask_predictor.mask_fcn_logits.weight"])
    assert not torch.equal(before["roi_heads.box_predictor.cls_score.weight"], after["roi_heads.box_predictor.cls_score.weight"])


def test_the_hook_follows_a_deep_copy_and_leaves_inference_alone():
    model = build_model("tiny", 1, SIZE)
    install_mask_weights(model)
    install_mask_weights(model)  # idempotent
    clone = copy.deepcopy(model)
    assert vars(clone.roi_heads)["forward"].__self__ is clone.roi_heads
    assert_infers_like_plain(model, SIZE, ("boxes", "masks"))
