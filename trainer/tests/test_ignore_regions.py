"""Crowd annotations (iscrowd: 1) are ignore regions in training: data path,
RPN and RoI-head labelling, transform scaling, and a few real training steps."""

from __future__ import annotations

import copy
import io
import json
import signal

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from conftest import assert_infers_like_plain
from vlm_loop_trainer import models as models_mod
from vlm_loop_trainer import train as train_mod
from vlm_loop_trainer.data import AugmentConfig, CocoInstances, augment, masks_to_boxes
from vlm_loop_trainer.ignore import ignored_by_crowd, install_ignore_regions
from vlm_loop_trainer.models import build_model
from vlm_loop_trainer.protocol import Emitter

CATS = [{"id": 5, "name": "thing"}]
SIZE = 64
INSTANCE = (4, 6, 18, 22)  # x1, y1, x2, y2 (pixel edges)
CROWD = (28, 8, 60, 56)


pytestmark = pytest.mark.usefixtures("one_thread")


def _rect(box, size=SIZE) -> np.ndarray:
    m = np.zeros((size, size), dtype=np.uint8)
    x1, y1, x2, y2 = box
    m[y1:y2, x1:x2] = 1
    return m


def _ann(ann_id: int, image_id: int, box, crowd: bool) -> dict:
    m = _rect(box)
    rle = mask_utils.encode(np.asfortranarray(m))
    area = float(mask_utils.area(rle))
    bbox = [float(v) for v in mask_utils.toBbox(rle)]
    if crowd:  # crowd regions usually come as uncompressed RLE
        flat = m.flatten(order="F")
        change = np.flatnonzero(np.diff(flat)) + 1
        runs = np.diff(np.concatenate([[0], change, [flat.size]]))
        seg = {"size": [SIZE, SIZE], "counts": ([0] if flat[0] else []) + [int(r) for r in runs]}
    else:
        seg = {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
    return {"id": ann_id, "image_id": image_id, "category_id": 5, "segmentation": seg, "area": area, "bbox": bbox, "iscrowd": int(crowd)}


def _write_coco(tmp_path, images: list[list[tuple[tuple, bool]]], name="train") -> str:
    """One PNG per entry of ``images`` (a list of (box, is_crowd)); objects and
    crowd regions are painted so that the image shows them."""
    rng = np.random.default_rng(0)
    ims, anns = [], []
    for i, objs in enumerate(images):
        px = (rng.random((SIZE, SIZE, 3)) * 60 + 40).astype(np.uint8)
        for box, crowd in objs:
            px[_rect(box).astype(bool)] = (220, 200, 40) if crowd else (30, 60, 230)
            anns.append(_ann(len(anns) + 1, i + 1, box, crowd))
        fname = f"{name}_{i}.png"
        Image.fromarray(px).save(tmp_path / fname)
        ims.append({"id": i + 1, "file_name": fname, "width": SIZE, "height": SIZE})
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"images": ims, "annotations": anns, "categories": CATS}))
    return str(path)


@pytest.fixture
def crowd_ds(tmp_path) -> CocoInstances:
    return CocoInstances(_write_coco(tmp_path, [[(INSTANCE, False), (CROWD, True)]]), None, CATS)


# ---------------------------------------------------------------- data


def test_dataset_keeps_crowd_regions_apart_from_instances(crowd_ds):
    _, t = crowd_ds.get(0)
    assert t["labels"].tolist() == [1] and t["masks"].shape == (1, SIZE, SIZE)
    assert t["boxes"].tolist() == [list(map(float, INSTANCE))]
    assert t["crowd_boxes"].tolist() == [list(map(float, CROWD))]
    assert crowd_ds.num_annotations() == 1 and crowd_ds.num_crowd_regions() == 1
    _, out = augment(*crowd_ds.get(0), AugmentConfig(hflip=False, scale_jitter=None), torch.Generator().manual_seed(0))
    assert out["crowd_boxes"].tolist() == [list(map(float, CROWD))] and "crowd_masks" not in out
    assert out["boxes"].tolist() == [list(map(float, INSTANCE))]


def test_hflip_mirrors_the_crowd_box(crowd_ds):
    img, t = crowd_ds.get(0)
    g = torch.Generator().manual_seed(1)
    x1, y1, x2, y2 = CROWD
    mirrored = [float(SIZE - x2), float(y1), float(SIZE - x1), float(y2)]
    seen = set()
    for _ in range(12):
        _, out = augment(img, t, AugmentConfig(hflip=True, scale_jitter=None), g)
        flipped = out["boxes"][0, 0].item() != INSTANCE[0]
        assert out["crowd_boxes"].tolist() == [mirrored if flipped else list(map(float, CROWD))]
        seen.add(flipped)
    assert seen == {True, False}


def test_scale_jitter_moves_the_crowd_box_with_its_pixels(crowd_ds):
    img, t = crowd_ds.get(0)
    g = torch.Generator().manual_seed(2)
    moved = 0
    for _ in range(12):
        out_img, out = augment(img, t, AugmentConfig(hflip=True, scale_jitter=(0.6, 1.6)), g)
        yellow = (out_img[0] > 0.75) & (out_img[2] < 0.35)  # the painted crowd region
        if out["crowd_boxes"].shape[0] == 0:
            assert yellow.sum() < 8
            continue
        torch.testing.assert_close(out["crowd_boxes"], masks_to_boxes(yellow[None]), atol=1.0, rtol=0)
        moved += out["crowd_boxes"].tolist() != [list(map(float, CROWD))]
    assert moved >= 6


def test_vanishing_crowd_regions_are_dropped_and_targets_without_crowd_get_an_empty_tensor():
    m = torch.from_numpy(_rect(INSTANCE))[None]
    tiny_crowd = torch.zeros(1, SIZE, SIZE, dtype=torch.uint8)
    tiny_crowd[0, 3, 3:5] = 1  # 2 px < min_mask_pixels
    tgt = {"masks": m, "labels": torch.tensor([1]), "boxes": masks_to_boxes(m), "crowd_masks": tiny_crowd}
    cfg = AugmentConfig(hflip=False, scale_jitter=None)
    _, out = augment(torch.zeros(3, SIZE, SIZE), tgt, cfg, torch.Generator())
    assert out["crowd_boxes"].shape == (0, 4) and out["labels"].tolist() == [1]
    del tgt["crowd_masks"]
    _, out = augment(torch.zeros(3, SIZE, SIZE), tgt, cfg, torch.Generator())
    assert out["crowd_boxes"].shape == (0, 4) and out["boxes"].tolist() == [list(map(float, INSTANCE))]


# ---------------------------------------------------------------- RPN


def _grid_boxes(step: int, size: int, extent: int = SIZE) -> torch.Tensor:
    xy = torch.arange(0, extent - size + 1, step, dtype=torch.float32)
    y, x = torch.meshgrid(xy, xy, indexing="ij")
    return torch.stack([x, y, x + size, y + size], dim=-1).reshape(-1, 4)


def test_rpn_ignores_background_anchors_inside_crowd_regions():
    plain = build_model("tiny", 1, SIZE).train()
    model = copy.deepcopy(plain)
    install_ignore_regions(model)
    anchors = [torch.cat([_grid_boxes(4, 8), torch.tensor([list(map(float, INSTANCE))])])]
    base = {"boxes": torch.tensor([list(map(float, INSTANCE))]), "labels": torch.tensor([1])}
    crowd = torch.tensor([list(map(float, CROWD))])
    want, _ = plain.rpn.assign_targets_to_anchors(anchors, [base])
    got, _ = model.rpn.assign_targets_to_anchors(anchors, [{**base, "crowd_boxes": crowd}])
    inside = ignored_by_crowd(anchors[0], crowd)
    assert inside.sum() > 20 and (want[0][inside] == 0).all()  # background without the hook
    assert (got[0][inside] == -1).all()
    assert torch.equal(got[0][~inside], want[0][~inside]) and got[0][-1] == 1
    # an anchor half in: IoA 0.5 is ignored, just below is not (the instance's
    # own anchor is there so that the matcher's low-quality rule has a best match)
    half = torch.tensor([[CROWD[0] - 4.0, 20.0, CROWD[0] + 4.0, 28.0], [CROWD[0] - 5.0, 20.0, CROWD[0] + 3.0, 28.0], list(map(float, INSTANCE))])
    lab, _ = model.rpn.assign_targets_to_anchors([half], [{**base, "crowd_boxes": crowd}])
    assert lab[0].tolist() == [-1.0, 0.0, 1.0]
    for same in ({**base}, {**base, "crowd_boxes": torch.zeros(0, 4)}):
        lab, _ = model.rpn.assign_targets_to_anchors(anchors, [same])
        assert torch.equal(lab[0], want[0])
    # fp16 anchors (AMP) of 512 px: the area overflows fp16
    big = torch.tensor([[0.0, 0.0, 512.0, 512.0], [600.0, 0.0, 1112.0, 512.0]], dtype=torch.float16)
    assert ignored_by_crowd(big, torch.tensor([[0.0, 0.0, 800.0, 800.0]])).tolist() == [True, False]
    # an image with only a crowd region
    lab, _ = model.rpn.assign_targets_to_anchors(anchors, [{"boxes": torch.zeros(0, 4), "crowd_boxes": crowd}])
    assert (lab[0][inside] == -1).all() and (lab[0][~inside] == 0).all()


# ---------------------------------------------------------------- RoI heads


def test_roi_heads_never_sample_proposals_inside_crowd_regions_as_negatives():
    model = build_model("tiny", 1, SIZE).train()
    install_ignore_regions(model)
    rh = model.roi_heads
    proposals = [torch.cat([_grid_boxes(8, 12), torch.tensor([[5.0, 6.0, 18.0, 21.0], [4.0, 7.0, 17.0, 22.0]])])]
    m = torch.from_numpy(_rect(INSTANCE))[None]
    base = {"boxes": masks_to_boxes(m), "labels": torch.tensor([1]), "masks": m}
    crowd = torch.tensor([list(map(float, CROWD))])
    assert proposals[0].shape[0] + 1 < rh.fg_bg_sampler.batch_size_per_image  # every candidate is drawn

    def sample(target):
        torch.manual_seed(0)
        props, _, labels, _ = rh.select_training_samples([p.clone() for p in proposals], [target])
        return props[0], labels[0]

    p0, l0 = sample(base)
    p1, l1 = sample({**base, "crowd_boxes": crowd})
    assert rh._crowd_boxes is None  # the per-call stash is cleared
    assert ignored_by_crowd(p0[l0 == 0], crowd).sum() > 5  # without crowd_boxes: background
    assert not ignored_by_crowd(p1[l1 == 0], crowd).any()
    assert (l1 >= 0).all()  # the sampler dropped the ignored ones
    pos0, pos1 = p0[l0 > 0], p1[l1 > 0]
    assert pos1.shape[0] == pos0.shape[0] >= 3
    assert torch.equal(pos0[pos0[:, 0].argsort(stable=True)], pos1[pos1[:, 0].argsort(stable=True)])
    outside = ~ignored_by_crowd(p0, crowd) & (l0 == 0)
    assert (l1 == 0).sum() == outside.sum()  # other negatives kept


# ---------------------------------------------------------------- transform


def test_transform_scales_crowd_boxes_like_the_image():
    model = build_model("tiny", 1, SIZE).train()  # resizes to min_size 64
    install_ignore_regions(model)
    img = torch.rand(3, 32, 32)
    crowd = torch.tensor([[14.0, 4.0, 30.0, 28.0]])
    t = {"boxes": torch.tensor([[2.0, 3.0, 9.0, 11.0]]), "labels": torch.tensor([1]), "masks": torch.zeros(1, 32, 32, dtype=torch.uint8), "crowd_boxes": crowd}
    images, out = model.transform([img], [t])
    assert images.image_sizes == [(64, 64)]
    torch.testing.assert_close(out[0]["crowd_boxes"], crowd * 2)
    torch.testing.assert_close(out[0]["boxes"], t["boxes"] * 2)
    assert torch.equal(t["crowd_boxes"], crowd)  # the caller's target is not modified
    _, out = model.transform([img], [{k: v for k, v in t.items() if k != "crowd_boxes"}])
    assert "crowd_boxes" not in out[0]


def test_hooks_follow_a_deep_copy_and_leave_inference_alone():
    model = build_model("tiny", 1, SIZE)
    install_ignore_regions(model)
    install_ignore_regions(model)  # idempotent
    clone = copy.deepcopy(model)  # export copies the model
    for module, name in ((clone.rpn, "assign_targets_to_anchors"), (clone.roi_heads, "assign_targets_to_proposals"),
                         (clone.roi_heads, "select_training_samples"), (clone.transform, "resize")):
        assert name in vars(module) and vars(module)[name].__self__ is module, name  # hooked, bound to the copy
    assert_infers_like_plain(model, SIZE, ("boxes", "scores"))


# ---------------------------------------------------------------- end to end


def _train_batch(ds: CocoInstances):
    cfg = AugmentConfig(hflip=False, scale_jitter=None)
    pairs = [augment(*ds.get(i), cfg, torch.Generator()) for i in range(len(ds))]
    return [p[0] for p in pairs], [p[1] for p in pairs]


class _Recorder:
    """Records the labels the fg/bg sampler sees and the negatives it draws."""

    def __init__(self, sampler):
        self.sampler, self.labels, self.neg = sampler, None, None

    def __call__(self, labels):
        pos, neg = self.sampler(labels)
        self.labels, self.neg = labels, neg
        return pos, neg


def _sampled_negatives(tmp_path, crowd_as: str):
    """Boxes the RPN and the RoI heads sample as negatives for one image with
    an instance and a second region that is a crowd annotation ("crowd") or
    missing from the annotations ("absent", i.e. today's skipping)."""
    objs = [(INSTANCE, False)] + ([(CROWD, True)] if crowd_as == "crowd" else [])
    (tmp_path / crowd_as).mkdir()
    ds = CocoInstances(_write_coco(tmp_path / crowd_as, [objs]), None, CATS)
    torch.manual_seed(0)
    model = build_model("tiny", 1, SIZE).train()
    install_ignore_regions(model)
    seen = {}
    for name, module, method in (("rpn", model.rpn, "assign_targets_to_anchors"), ("roi", model.roi_heads, "assign_targets_to_proposals")):
        hooked = getattr(module, method)

        def record(boxes, *rest, _hooked=hooked, _name=name):
            seen[_name] = torch.cat(boxes)
            return _hooked(boxes, *rest)

        setattr(module, method, record)
        module.fg_bg_sampler = seen[name + "_sampler"] = _Recorder(module.fg_bg_sampler)
    images, targets = _train_batch(ds)
    losses = model(images, targets)
    assert all(torch.isfinite(v) for v in losses.values())
    return {k: seen[k][torch.cat(seen[k + "_sampler"].neg).bool()] for k in ("rpn", "roi")}


def test_crowd_region_is_not_sampled_as_background(tmp_path):
    crowd = torch.tensor([list(map(float, CROWD))])
    absent = _sampled_negatives(tmp_path, "absent")
    ignored = _sampled_negatives(tmp_path, "crowd")
    for k in ("rpn", "roi"):
        assert ignored_by_crowd(absent[k], crowd).sum() >= 5, k  # skipped crowd = background
        assert not ignored_by_crowd(ignored[k], crowd).any(), k
        assert ignored[k].shape[0] > 0


def test_a_few_training_steps_with_crowd_regions(tmp_path):
    path = _write_coco(tmp_path, [[(INSTANCE, False), (CROWD, True)], [(CROWD, True)], [(INSTANCE, False)]])
    ds = CocoInstances(path, None, CATS)
    torch.manual_seed(0)
    model = build_model("tiny", 1, SIZE).train()
    install_ignore_regions(model)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    images, targets = _train_batch(ds)
    assert [t["crowd_boxes"].shape[0] for t in targets] == [1, 1, 0] and targets[1]["boxes"].shape == (0, 4)
    for idx in ([0, 1], [1], [2, 0]):  # [1]: only a crowd region, no instance
        losses = model([images[i] for i in idx], [targets[i] for i in idx])
        loss = sum(losses.values())
        assert torch.isfinite(loss), losses
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_train_job_installs_the_hooks_and_counts_instances_only(tmp_path, monkeypatch):
    train_path = _write_coco(tmp_path, [[(INSTANCE, False), (CROWD, True)], [(CROWD, True)]])
    val_path = _write_coco(tmp_path, [[(INSTANCE, False)]], name="val")
    spec = {
        "jobId": "crowd", "preset": "tiny", "weights": "none", "categories": CATS,
        "data": {"train": {"coco": train_path}, "val": {"coco": val_path}}, "outputDir": str(tmp_path / "out"),
        "hyper": {"maxIterations": 2, "evalEvery": 2, "batchSize": 2, "imageSize": SIZE},
        "seed": 3, "device": {"type": "cpu", "threads": 1}, "checkpointEvery": 2, "progressEvery": 1,
        "export": {"enabled": False},
    }
    installed = []

    def spy(model):
        installed.append(model)
        install_ignore_regions(model)

    monkeypatch.setattr(models_mod, "install_ignore_regions", spy)  # model_for installs them
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    deterministic = torch.are_deterministic_algorithms_enabled()
    em = Emitter(io.StringIO(), None)
    try:
        assert train_mod.run(spec, em) == 0, em.sent[-1]
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
        torch.use_deterministic_algorithms(deterministic)
    assert len(installed) == 1
    start = next(e for e in em.sent if e["type"] == "start")
    assert start["trainAnnotations"] == 1
    assert em.sent[-1]["type"] == "done"


def test_a_hooked_model_still_exports(tmp_path):
    from vlm_loop_trainer.export import check_onnx, export_onnx

    torch.manual_seed(0)
    model = build_model("tiny", 1, SIZE)
    install_ignore_regions(model)  # train.py exports the model it trained, hooks included
    img = torch.rand(3, SIZE, SIZE)
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path, img)
    rep = check_onnx(model, path, [img])
    assert rep.passed, rep.failures
