"""ONNX export of an empty detection batch, and the COCO-weights loading path."""

from __future__ import annotations

import os

import pytest
import torch

from vlm_loop_trainer import models
from vlm_loop_trainer.export import check_onnx, export_onnx, ort_session, run_ort


def _no_detection_model():
    torch.manual_seed(0)
    m = models.build_model("tiny", 3, 96).eval()
    m.roi_heads.score_thresh = 1.01  # nothing can pass: the mask head sees N == 0
    return m


def test_export_handles_zero_detections(tmp_path):
    m = _no_detection_model()
    img = torch.rand(3, 96, 96)
    path = str(tmp_path / "m.onnx")
    export_onnx(m, path, img)
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
