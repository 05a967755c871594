"""Fast unit tests: schemas, formula, data formats, transforms, GroupNorm rewrite, warm start."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from conftest import CATEGORIES, make_spec, np_mask
from vlm_loop_trainer import models
from vlm_loop_trainer.config import adaptive_epochs, resolve
from vlm_loop_trainer.data import AugmentConfig, BatchSchedule, CocoInstances, augment, decode_segmentation, masks_to_boxes
from vlm_loop_trainer.models import EmptySafeGroupNorm, build_model, load_warm_start, replace_group_norm
from vlm_loop_trainer.protocol import SpecError, validate_spec


# ---------------------------------------------------------------- epochs


@pytest.mark.parametrize(
    "n,base,mn,expected",
    [(0, 10, 12, 12), (100, 10, 12, 12), (200, 10, 12, 12), (500, 10, 12, 15), (1000, 10, 12, 20), (2500, 10, 12, 35), (999, 10, 5, 19), (1234, 7.5, 1, 16)],
)
def test_adaptive_epochs_formula(n, base, mn, expected):
    assert adaptive_epochs(n, base, mn) == expected == max(mn, int(np.floor(base * (1 + n / 1000))))


def test_total_iterations_epochs_vs_budget(dataset, tmp_path):
    spec = make_spec(dataset, tmp_path, hyper={"maxIterations": None, "epochs": {"base": 10, "min": 12}})
    cfg = resolve(spec)
    assert cfg.total_iterations(500, 100) == (15 * 100, 15.0)
    assert resolve(make_spec(dataset, tmp_path, hyper={"maxIterations": None, "epochs": 3})).total_iterations(500, 100) == (300, 3.0)
    # a fixed iteration budget replaces the epoch rule
    assert resolve(make_spec(dataset, tmp_path, hyper={"maxIterations": 250})).total_iterations(500, 100) == (250, 2.5)


def test_warm_start_defaults(dataset, tmp_path):
    scratch = resolve(dict(make_spec(dataset, tmp_path, preset="small"), hyper={}))
    warm = resolve(dict(make_spec(dataset, tmp_path, preset="small", weights={"checkpoint": "x.pt"}), hyper={}))
    assert scratch.hyper["lr"] == 2e-3 and scratch.hyper["warmupIterations"] == 100
    assert warm.hyper["lr"] == 5e-4 and warm.hyper["warmupIterations"] == 20
    explicit = resolve(dict(make_spec(dataset, tmp_path, preset="small", weights={"checkpoint": "x.pt"}), hyper={"lr": 1e-3}))
    assert explicit.hyper["lr"] == 1e-3  # the spec wins


# ---------------------------------------------------------------- schemas


def test_spec_schema_accepts_examples(dataset, tmp_path, spec_validator):
    spec = make_spec(dataset, tmp_path)
    spec_validator.validate(spec)
    validate_spec(spec)
    for w in ("none", "coco", {"checkpoint": "/x/best.pt"}):
        validate_spec({**spec, "weights": w})
    for d in ("auto", "cpu", "cuda", {"type": "cuda", "threads": 4, "amp": True, "dataWorkers": 2}):
        validate_spec({**spec, "device": d})
    full = copy.deepcopy(spec)
    full["hyper"] = {
        "optimizer": "sgd", "lr": 0.02, "momentum": 0.9, "weightDecay": 1e-4, "batchSize": 2, "imageSize": 800,
        "maxIterations": None, "epochs": {"base": 12, "min": 10, "perImages": 1000}, "warmupIterations": 100,
        "warmupFactor": 0.001, "lrSchedule": "cosine", "minLrFactor": 0.0, "gradClipNorm": None, "evalEvery": 50,
        "earlyStopping": {"patience": 3, "minDelta": 0.001, "targetSegmAP": 0.8},
        "augment": {"hflip": True, "vflip": False, "scaleJitter": [0.8, 1.2], "colorJitter": 0.1},
    }
    full["export"] = {"enabled": True, "opset": 17, "checkImages": 4, "scoreThreshold": 0.4, "maskThreshold": 0.5, "maskForm": "full"}
    validate_spec(full)
    with pytest.raises(Exception):
        validate_spec({**full, "export": {**full["export"], "maskForm": "polygons"}})


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.pop("jobId"),
        lambda s: s.update(preset="resnet101"),
        lambda s: s.update(weights="imagenet"),
        lambda s: s.update(categories=[]),
        lambda s: s["data"].pop("val"),
        lambda s: s["hyper"].update(lr=-1),
        lambda s: s["hyper"].update(bogus=1),
        lambda s: s.update(device={"type": "tpu"}),
        lambda s: s.update(checkpointEvery=0),
    ],
)
def test_spec_schema_rejects(dataset, tmp_path, mutate):
    spec = make_spec(dataset, tmp_path)
    mutate(spec)
    with pytest.raises(SpecError):
        validate_spec(spec)


# ---------------------------------------------------------------- data


def test_decode_all_segmentation_forms():
    m = np_mask()
    rle = mask_utils.encode(np.asfortranarray(m))
    as_str = {"size": rle["size"], "counts": rle["counts"].decode()}
    flat = m.flatten(order="F")
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            run, cur = 0, v
        run += 1
    counts.append(run)
    uncompressed = {"size": [32, 32], "counts": counts}
    poly = [[3, 4, 20, 4, 20, 12, 3, 12]]  # the top bar as a polygon
    assert (decode_segmentation(rle, 32, 32) == m).all()
    assert (decode_segmentation(as_str, 32, 32) == m).all()
    assert (decode_segmentation(uncompressed, 32, 32) == m).all()
    p = decode_segmentation(poly, 32, 32)
    assert p[6, 10] == 1 and p[16, 5] == 0 and p.sum() > 100


def test_dataset_paths_negatives_and_categories(dataset):
    ds = CocoInstances(dataset["train"], None, CATEGORIES)
    assert len(ds) == 17  # 16 + one negative
    img, tgt = ds.get(len(ds) - 1)
    assert img.shape == (3, 96, 96) and img.dtype == torch.float32 and 0 <= img.min() and img.max() <= 1
    assert tgt["masks"].shape[0] == 0 and tgt["boxes"].shape == (0, 4)
    labels = torch.cat([ds.get(i)[1]["labels"] for i in range(len(ds))])
    assert set(labels.tolist()) <= {1, 2, 3}
    val = CocoInstances(dataset["val"], "/nonexistent", CATEGORIES)  # absolute `path` wins over imageRoot
    assert len(val) == 4


def test_augment_moves_masks_and_boxes():
    m = torch.from_numpy(np_mask(48, 64))[None]
    img = torch.zeros(3, 48, 64)
    img[:, m[0].bool()] = 1.0
    tgt = {"masks": m, "labels": torch.tensor([1]), "boxes": masks_to_boxes(m)}
    g = torch.Generator().manual_seed(0)
    cfg = AugmentConfig(hflip=True, scale_jitter=(0.6, 1.6), color_jitter=0.0)
    seen_flip = False
    for _ in range(20):
        out_img, out = augment(img, tgt, cfg, g)
        assert out_img.shape == img.shape  # canvas kept
        if out["masks"].shape[0] == 0:
            continue
        mk = out["masks"][0].bool()
        # the image moved with the mask
        assert out_img[0][mk].mean() > 0.85 and out_img[0][~mk].mean() < 0.1
        assert torch.equal(out["boxes"], masks_to_boxes(out["masks"]))
        x1, y1, x2, y2 = out["boxes"][0].tolist()
        cols = mk.any(0).nonzero()
        assert x1 == cols.min() and x2 == cols.max() + 1
        seen_flip |= bool(mk[:, : 32].sum() < mk[:, 32:].sum())
    assert seen_flip


def test_batch_schedule_is_resumable():
    a = BatchSchedule(10, 3, seed=5)
    seq = [a.indices(i) for i in range(12)]
    b = BatchSchedule(10, 3, seed=5)
    assert [b.indices(i) for i in range(7, 12)] == seq[7:]
    assert a.iters_per_epoch == 3
    assert sorted(sum(seq[:3], [])) == sorted(set(sum(seq[:3], [])))  # no repeats in an epoch


# ---------------------------------------------------------------- models


@pytest.mark.parametrize("n", [0, 1, 5])
def test_empty_safe_group_norm_matches(n):
    torch.manual_seed(0)
    gn = torch.nn.GroupNorm(8, 32)
    torch.nn.init.normal_(gn.weight)
    torch.nn.init.normal_(gn.bias)
    x = torch.randn(n, 32, 14, 14) * 3 + 1
    y = EmptySafeGroupNorm(gn)(x)
    assert y.shape == x.shape
    torch.testing.assert_close(y, gn(x), atol=1e-5, rtol=1e-5)


def test_replace_group_norm_counts():
    m = build_model("small", 3, 160)
    n_gn = sum(isinstance(x, torch.nn.GroupNorm) for x in m.modules())
    assert n_gn > 0
    assert replace_group_norm(m) == n_gn
    assert not any(isinstance(x, torch.nn.GroupNorm) for x in m.modules())


def test_small_preset_architecture():
    m = build_model("small", 6, 160)
    body = m.backbone.body
    assert isinstance(body.layer1[0].bn1, torch.nn.BatchNorm2d)
    assert m.backbone.out_channels == 64
    # ResNet-18 at half width without the stem max-pool: the FPN's stride-4
    # level comes from layer2, for the built-in dataset's small objects
    assert isinstance(body.maxpool, torch.nn.Identity) and body.conv1.out_channels == 32
    assert list(body.return_layers) == ["layer2", "layer3", "layer4"]
    feats = m.backbone.eval()(torch.zeros(1, 3, 160, 160))
    assert {k: tuple(v.shape[-2:]) for k, v in feats.items()} == {"0": (40, 40), "1": (20, 20), "2": (10, 10), "pool": (5, 5)}
    assert m.rpn.anchor_generator.sizes == ((8,), (16,), (32,), (64,))
    assert isinstance(m.roi_heads.mask_roi_pool, models.AlignedMultiScaleRoIAlign)
    assert m.roi_heads.mask_roi_pool.featmap_names == ["0", "1", "2"]
    assert m.roi_heads.box_head.fc7.out_features == 512
    assert len([x for x in m.roi_heads.mask_head if isinstance(x, torch.nn.Module)]) == 4
    assert m.roi_heads.box_predictor.cls_score.out_features == 7
    assert m.transform.min_size == (160,)


def test_warm_start_refuses_another_architecture(tmp_path):
    torch.save({"model": build_model("tiny", 3, 96).state_dict()}, tmp_path / "tiny.pt")
    with pytest.raises(ValueError, match="architecture differs"):
        load_warm_start(build_model("small", 3, 160), str(tmp_path / "tiny.pt"), [{"id": i, "name": str(i)} for i in range(3)])


def test_warm_start_remaps_classes(tmp_path):
    torch.manual_seed(0)
    old_cats = [{"id": 3, "name": "circle"}, {"id": 7, "name": "square"}]
    a = build_model("tiny", 2, 96)
    torch.save({"model": a.state_dict(), "categories": old_cats}, tmp_path / "v1.pt")
    new_cats = [{"id": 7, "name": "square"}, {"id": 3, "name": "circle"}, {"id": 11, "name": "triangle"}]
    torch.manual_seed(1)
    b = build_model("tiny", 3, 96)
    fresh = b.roi_heads.box_predictor.cls_score.weight.detach().clone()
    info = load_warm_start(b, str(tmp_path / "v1.pt"), new_cats)
    assert info["remapped"] == 6
    wa = a.roi_heads.box_predictor.cls_score.weight
    wb = b.roi_heads.box_predictor.cls_score.weight
    assert torch.equal(wb[0], wa[0])  # background
    assert torch.equal(wb[1], wa[2])  # id 7
    assert torch.equal(wb[2], wa[1])  # id 3
    assert torch.equal(wb[3], fresh[3])  # new class keeps its init
    ba, bb = a.roi_heads.box_predictor.bbox_pred.weight, b.roi_heads.box_predictor.bbox_pred.weight
    assert torch.equal(bb[4:8], ba[8:12])
    assert torch.equal(b.backbone.body.conv1.weight, a.backbone.body.conv1.weight)
    # a plain state dict (no categories) of the same shape loads as is
    torch.save(b.state_dict(), tmp_path / "plain.pt")
    c = build_model("tiny", 3, 96)
    assert load_warm_start(c, str(tmp_path / "plain.pt"), new_cats)["skipped"] == 0
    assert torch.equal(c.roi_heads.box_predictor.cls_score.weight, wb)


def test_progress_schema_rejects_bad_events():
    from vlm_loop_trainer.protocol import validate_event

    ok = {"type": "checkpoint", "jobId": "j", "time": "2024-01-01T00:00:00Z", "iteration": 3, "path": "/x", "reason": "periodic"}
    validate_event(ok)
    for bad in ({**ok, "reason": "whim"}, {**ok, "type": "progress"}, {k: v for k, v in ok.items() if k != "path"}, {**ok, "extra": 1}):
        with pytest.raises(ValueError):
            validate_event(bad)
    with pytest.raises(ValueError):
        validate_event({"type": "error", "jobId": None, "time": "t", "code": "oops", "message": "m"})
    json.dumps(ok)


# ---------------------------------------------------------------- aligned RoIAlign


def _paste_back_iou(project) -> float:
    """A 12x12 square (pixel-edge box [20, 32)) projected to a 28x28 target and
    pasted back the way inference pastes masks: IoU with the original."""
    from torchvision.models.detection.roi_heads import paste_masks_in_image

    mask = torch.zeros(1, 64, 64, dtype=torch.uint8)
    mask[0, 20:32, 20:32] = 1
    boxes = masks_to_boxes(mask)
    target = project(mask, boxes, torch.zeros(1), 28)
    pasted = paste_masks_in_image(target[:, None], boxes, (64, 64))[0, 0] > 0.5
    inter = (pasted & mask[0].bool()).sum().item()
    return inter / (pasted | mask[0].bool()).sum().item()


def test_mask_targets_are_half_pixel_aligned():
    import torchvision.models.detection.roi_heads as rh

    legacy = rh.project_masks_on_boxes
    build_model("tiny", 3, 96)  # installs the aligned projection
    try:
        assert rh.project_masks_on_boxes is models.aligned_project_masks_on_boxes
        # the legacy projection (torchvision's aligned=False) shifts the target
        # half a pixel: a small object loses a row and a column
        assert _paste_back_iou(models._LEGACY_PROJECT_MASKS) < 0.9
        assert _paste_back_iou(rh.project_masks_on_boxes) == 1.0
    finally:
        rh.project_masks_on_boxes = legacy


def test_aligned_pooler_matches_aligned_roi_align():
    from torchvision.ops import roi_align

    pool = models.AlignedMultiScaleRoIAlign(["0", "1"], 7, sampling_ratio=2)
    feats = {"0": torch.randn(1, 4, 40, 40), "1": torch.randn(1, 4, 20, 20)}
    boxes = [torch.tensor([[10.0, 12.0, 30.0, 40.0], [0.0, 0.0, 300.0, 310.0]])]
    out = pool(feats, boxes, [(320, 320)])
    assert out.shape == (2, 4, 7, 7)
    rois = torch.cat([torch.zeros(2, 1), boxes[0]], 1)
    # the small box is pooled from the stride-8 level, the large one from stride 16
    torch.testing.assert_close(out[0], roi_align(feats["0"], rois[:1], 7, 1 / 8, 2, aligned=True)[0])
    torch.testing.assert_close(out[1], roi_align(feats["1"], rois[1:], 7, 1 / 16, 2, aligned=True)[0])
    assert not torch.allclose(out[0], roi_align(feats["0"], rois[:1], 7, 1 / 8, 2, aligned=False)[0])
