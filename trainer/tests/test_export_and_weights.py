"""ONNX export of an empty detection batch, and the COCO-weights loading path."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from vlm_loop_trainer import models
from vlm_loop_trainer.export import INPUT_NAME, check_onnx, export_onnx, ort_session, run_ort


def _no_detection_model():
    torch.manual_seed(0)
    m = models.build_model("tiny", 3, 96).eval()
    m.roi_heads.score_thresh = 1.01  # nothing can pass: the mask head sees N == 0
    return m


@pytest.mark.parametrize("form", ["roi", "full"])
def test_export_handles_zero_detections(tmp_path, form):
    m = _no_detection_model()
    img = torch.rand(3, 96, 96)
    path = str(tmp_path / "m.onnx")
    export_onnx(m, path, img, mask_form=form)
    sess = ort_session(path)
    for shape in [(3, 96, 96), (3, 80, 120)]:  # dynamic height and width
        out = run_ort(sess, torch.rand(*shape))
        assert out["boxes"].shape == (0, 4)
        assert out["masks"].shape[0] == 0 and out["masks"].shape[1] == 1
    rep = check_onnx(m, path, [img])
    assert rep.passed, rep.failures
    assert rep.emptyImage["ran"] and rep.emptyImage["detections"] == 0


def test_plain_group_norm_export_breaks_on_zero_detections(tmp_path):
    """Documents why the rewrite exists: without it onnxruntime fails (or the
    check reports the failure) as soon as there is nothing to segment."""
    m = _no_detection_model()
    img = torch.rand(3, 96, 96)
    path = str(tmp_path / "plain.onnx")
    export_onnx(m, path, img, rewrite_group_norm=False)
    with pytest.raises(Exception):
        run_ort(ort_session(path), img)
    rep = check_onnx(m, path, [img])
    assert not rep.passed and not rep.emptyImage["ran"]


def test_coco_weights_from_torch_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("VLM_LOOP_TRAINER_OFFLINE", "1")
    from torchvision.models.detection import maskrcnn_resnet50_fpn

    cache = models.coco_weights_cache_path()
    assert cache.startswith(str(tmp_path)) and os.path.basename(cache).startswith("maskrcnn_resnet50_fpn_coco")
    # no cache + offline: a clear error, no hang
    with pytest.raises(models.WeightsUnavailable):
        models.build_model("resnet50-fpn", 3, 256, "coco")

    torch.manual_seed(123)
    fake = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=91)
    with torch.no_grad():
        fake.backbone.body.conv1.weight.fill_(0.125)
        fake.roi_heads.box_head.fc6.bias.fill_(-0.5)
    os.makedirs(os.path.dirname(cache))
    torch.save(fake.state_dict(), cache)

    m = models.build_model("resnet50-fpn", 3, 256, "coco")
    assert torch.all(m.backbone.body.conv1.weight == 0.125)
    assert torch.all(m.roi_heads.box_head.fc6.bias == -0.5)
    torch.testing.assert_close(m.backbone.fpn.layer_blocks[0][0].weight, fake.backbone.fpn.layer_blocks[0][0].weight)
    # heads replaced for 3 classes + background
    assert m.roi_heads.box_predictor.cls_score.out_features == 4
    assert m.roi_heads.box_predictor.bbox_pred.out_features == 16
    assert m.roi_heads.mask_predictor.mask_fcn_logits.out_channels == 4
    assert m.roi_heads.box_predictor.cls_score.in_features == 1024
    assert m.transform.min_size == (256,)
    # the small preset has no COCO weights
    with pytest.raises(models.WeightsUnavailable):
        models.build_model("small", 3, 160, "coco")


def test_small_preset_exports_and_agrees_with_pytorch(tmp_path):
    """The shipped CPU preset (no stem max-pool, aligned poolers on strides
    4-16) through the same export and onnxruntime check the trainer runs."""
    torch.manual_seed(0)
    m = models.build_model("small", 3, 160).eval()
    m.roi_heads.score_thresh = 0.0  # an untrained model: keep its detections
    imgs = [torch.rand(3, 160, 160) for _ in range(2)]
    path = str(tmp_path / "small.onnx")
    export_onnx(m, path, imgs[0])
    out = run_ort(ort_session(path), imgs[1])
    assert out["boxes"].shape[0] > 0 and out["masks"].shape[-2:] == (160, 160)
    rep = check_onnx(m, path, imgs)
    assert rep.detections > 0
    # an untrained model scores every box of a constant image alike, so only
    # the textured images can be compared detection by detection
    assert [f for f in rep.failures if not f.startswith("empty image")] == []
    m.roi_heads.score_thresh = 1.01  # and the same graph with nothing to segment
    export_onnx(m, path, imgs[0])
    rep = check_onnx(m, path, imgs)
    assert rep.passed, rep.failures
    assert rep.emptyImage["ran"] and rep.emptyImage["detections"] == 0


def test_roi_form_masks_paste_to_the_full_form(tmp_path):
    """The trainer's roi form (28x28 masks per detection) and torchvision's full form of one model: the
    same boxes, and the roi masks pasted by torchvision's own paste_masks_in_image give the full form's
    pixels. Both agree with PyTorch eager."""
    torch.manual_seed(0)
    m = models.build_model("small", 3, 160).eval()
    m.roi_heads.score_thresh = 0.0
    imgs = [torch.rand(3, 160, 160), torch.rand(3, 120, 200)]
    roi, full = str(tmp_path / "roi.onnx"), str(tmp_path / "full.onnx")
    export_onnx(m, roi, imgs[0], mask_form="roi")
    export_onnx(m, full, imgs[0], mask_form="full")
    for img in imgs:
        raw = ort_session(roi).run(None, {INPUT_NAME: img.numpy()})
        assert raw[0].shape[0] > 0 and raw[3].shape[1:] == (1, 28, 28)
        a, b = run_ort(ort_session(roi), img), run_ort(ort_session(full), img)
        np.testing.assert_allclose(a["boxes"], b["boxes"], atol=1e-4)
        assert a["masks"].shape == b["masks"].shape == (len(a["boxes"]), 1, *img.shape[-2:])
        assert ((a["masks"] > 0.5) != (b["masks"] > 0.5)).mean() <= 1e-3
    rep = check_onnx(m, roi, imgs)
    assert rep.detections > 0
    assert [f for f in rep.failures if not f.startswith("empty image")] == []


def test_unknown_mask_form_is_refused(tmp_path):
    with pytest.raises(ValueError, match="mask_form"):
        export_onnx(_no_detection_model(), str(tmp_path / "m.onnx"), torch.rand(3, 96, 96), mask_form="polygons")
