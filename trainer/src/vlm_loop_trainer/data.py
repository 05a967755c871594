"""COCO instance-segmentation data and detection-aware augmentation.

Masks may be compressed RLE (string or bytes counts), uncompressed RLE
(list counts) or polygons. An ``images[]`` entry's absolute ``path`` wins
over ``imageRoot/file_name``. Images without annotations are kept (negatives).

Crowd annotations (``iscrowd: 1``) are ignore regions, not instances: their
masks travel through augmentation beside the instance masks and reach the
model as ``target["crowd_boxes"]`` (see ``ignore.py``).

An annotation whose ``source`` is ``approved_prediction`` (a model's mask a
judge approved, as the server writes them) gets ``approved_mask_weight`` in
``target["mask_weights"]``; every other instance 1 (see ``mask_weights.py``).
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pycocotools import mask as mask_utils

log = logging.getLogger(__name__)


class DataError(RuntimeError):
    pass


APPROVED_SOURCE = "approved_prediction"


def decode_segmentation(seg: Any, h: int, w: int) -> np.ndarray:
    """Any COCO segmentation form -> HxW uint8 {0,1}."""
    if isinstance(seg, list):  # polygons
        polys = [p for p in seg if len(p) >= 6]
        if not polys:
            return np.zeros((h, w), dtype=np.uint8)
        rle = mask_utils.merge(mask_utils.frPyObjects(polys, h, w))
    elif isinstance(seg, dict):
        counts = seg.get("counts")
        size = seg.get("size", [h, w])
        if isinstance(counts, list):  # uncompressed RLE
            rle = mask_utils.frPyObjects(seg, size[0], size[1])
        else:
            rle = {"size": size, "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    else:
        raise DataError(f"unsupported segmentation type {type(seg).__name__}")
    m = mask_utils.decode(rle)
    if m.ndim == 3:
        m = m.max(axis=2)
    if m.shape != (h, w):
        raise DataError(f"mask size {m.shape} != image size {(h, w)}")
    return m.astype(np.uint8)


@dataclass
class Record:
    image_id: int
    path: str
    width: int
    height: int
    anns: list[dict]


class CocoInstances:
    """Reads a COCO instances JSON and yields (image float CHW [0,1], target)."""

    def __init__(
        self,
        coco_path: str,
        image_root: str | None,
        categories: list[dict],
        cache_images: bool = False,
        approved_mask_weight: float = 1.0,
    ):
        self.coco_path = coco_path
        self.approved_mask_weight = float(approved_mask_weight)
        try:
            with open(coco_path) as f:
                self.coco = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise DataError(f"cannot read COCO file {coco_path}: {e}") from e
        for key in ("images", "annotations"):
            if key not in self.coco:
                raise DataError(f"{coco_path}: missing '{key}'")
        root = image_root if image_root is not None else os.path.dirname(os.path.abspath(coco_path))
        self.cat_to_label = {c["id"]: i + 1 for i, c in enumerate(categories)}
        by_image: dict[int, list[dict]] = {}
        unknown = 0
        for a in self.coco["annotations"]:
            if a.get("category_id") not in self.cat_to_label:
                unknown += 1
                continue
            by_image.setdefault(a["image_id"], []).append(a)
        if unknown:
            log.warning("%s: %d annotations with categories not in the spec were ignored", coco_path, unknown)
        self.records: list[Record] = []
        for im in self.coco["images"]:
            p = im.get("path") or os.path.join(root, im["file_name"])
            self.records.append(Record(im["id"], p, int(im.get("width", 0)), int(im.get("height", 0)), by_image.get(im["id"], [])))
        missing = [r.path for r in self.records if not os.path.exists(r.path)]
        if missing:
            raise DataError(f"{coco_path}: {len(missing)} image files not found, e.g. {missing[0]}")
        self._cache: dict[int, Any] | None = {} if cache_images else None

    def __len__(self) -> int:
        return len(self.records)

    def num_annotations(self) -> int:
        """Instances only: crowd annotations are ignore regions (num_crowd_regions)."""
        return sum(1 for r in self.records for a in r.anns if not a.get("iscrowd", 0))

    def num_crowd_regions(self) -> int:
        return sum(1 for r in self.records for a in r.anns if a.get("iscrowd", 0))

    def num_approved(self) -> int:
        """Instances that came from approved predictions (``source``)."""
        return sum(1 for r in self.records for a in r.anns if not a.get("iscrowd", 0) and a.get("source") == APPROVED_SOURCE)

    def _load(self, idx: int):
        if self._cache is not None and idx in self._cache:
            return self._cache[idx]
        r = self.records[idx]
        with Image.open(r.path) as im:
            img = np.asarray(im.convert("RGB"))
        h, w = img.shape[:2]
        masks, labels, weights, crowd = [], [], [], []
        for a in r.anns:
            m = decode_segmentation(a["segmentation"], h, w)
            if m.sum() == 0:
                continue
            if a.get("iscrowd", 0):
                crowd.append(m)  # an ignore region: neither object nor background
                continue
            masks.append(m)
            labels.append(self.cat_to_label[a["category_id"]])
            weights.append(self.approved_mask_weight if a.get("source") == APPROVED_SOURCE else 1.0)
        item = (img, _stack(masks, h, w), np.asarray(labels, dtype=np.int64), _stack(crowd, h, w), np.asarray(weights, dtype=np.float32))
        if self._cache is not None:
            self._cache[idx] = item
        return item

    def get(self, idx: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``crowd_masks`` are for ``augment``, which turns them into the
        model's ``crowd_boxes`` (it drops the masks: the model's transform
        would not resize them); ``crowd_boxes`` is here too so that an
        un-augmented target is complete."""
        img, masks, labels, crowd, weights = self._load(idx)
        image = torch.from_numpy(np.array(img, copy=True)).permute(2, 0, 1).float().div_(255.0)
        m = torch.from_numpy(masks.copy())
        c = torch.from_numpy(crowd.copy())
        target = {
            "masks": m,
            "labels": torch.from_numpy(labels.copy()),
            "boxes": masks_to_boxes(m),
            "image_id": torch.tensor(self.records[idx].image_id),
            "crowd_masks": c,
            "crowd_boxes": masks_to_boxes(c),
            "mask_weights": torch.from_numpy(weights.copy()),
        }
        return image, target


def _stack(masks: list[np.ndarray], h: int, w: int) -> np.ndarray:
    return np.stack(masks) if masks else np.zeros((0, h, w), dtype=np.uint8)


def masks_to_boxes(masks: torch.Tensor) -> torch.Tensor:
    """Tight xyxy boxes (pixel-edge convention: x2 = last column + 1)."""
    if masks.shape[0] == 0:
        return torch.zeros((0, 4), dtype=torch.float32)
    mb = masks.bool()
    rows = mb.any(dim=2)
    cols = mb.any(dim=1)
    h, w = masks.shape[-2:]
    ar_h = torch.arange(h)
    ar_w = torch.arange(w)
    y1 = torch.where(rows, ar_h, h).min(dim=1).values
    y2 = torch.where(rows, ar_h, -1).max(dim=1).values + 1
    x1 = torch.where(cols, ar_w, w).min(dim=1).values
    x2 = torch.where(cols, ar_w, -1).max(dim=1).values + 1
    return torch.stack([x1, y1, x2, y2], dim=1).float()


# ----------------------------------------------------------------------------
# augmentation: every transform moves image, masks and boxes together.
# Boxes are recomputed from the transformed masks, so they stay exact.


@dataclass
class AugmentConfig:
    hflip: bool = True
    vflip: bool = False
    scale_jitter: tuple[float, float] | None = (0.75, 1.25)
    color_jitter: float = 0.0
    min_mask_pixels: int = 4

    @classmethod
    def from_spec(cls, d: dict | None) -> "AugmentConfig":
        d = d or {}
        sj = d.get("scaleJitter", [0.75, 1.25])
        return cls(
            hflip=bool(d.get("hflip", True)),
            vflip=bool(d.get("vflip", False)),
            scale_jitter=tuple(sj) if sj else None,
            color_jitter=float(d.get("colorJitter", 0.0)),
        )


def augment(image: torch.Tensor, target: dict, cfg: AugmentConfig, g: torch.Generator) -> tuple[torch.Tensor, dict]:
    """Crowd masks ride along as extra masks (same flips, same crop/pad) and
    come out as ``crowd_boxes`` only; the random draws do not depend on them."""
    n = target["masks"].shape[0]
    crowd = target.get("crowd_masks")
    if crowd is None:
        crowd = target["masks"].new_zeros((0,) + tuple(image.shape[-2:]))
    masks = torch.cat([target["masks"], crowd.to(target["masks"].dtype)])
    labels = target["labels"]
    if cfg.hflip and torch.rand((), generator=g) < 0.5:
        image = image.flip(-1)
        masks = masks.flip(-1)
    if cfg.vflip and torch.rand((), generator=g) < 0.5:
        image = image.flip(-2)
        masks = masks.flip(-2)
    if cfg.scale_jitter and cfg.scale_jitter[0] != cfg.scale_jitter[1]:
        lo, hi = cfg.scale_jitter
        # log-uniform scale; canvas size is kept (zoom in: crop, zoom out: pad)
        s = math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * float(torch.rand((), generator=g)))
        image, masks = _scale_keep_canvas(image, masks, s, g)
    if cfg.color_jitter > 0:
        cj = cfg.color_jitter
        b = 1 + (float(torch.rand((), generator=g)) * 2 - 1) * cj
        c = 1 + (float(torch.rand((), generator=g)) * 2 - 1) * cj
        mean = image.mean()
        image = ((image - mean) * c + mean) * b
        image = image.clamp_(0, 1)
    keep = masks.flatten(1).sum(1) >= cfg.min_mask_pixels if masks.shape[0] else torch.zeros(0, dtype=torch.bool)
    crowd = masks[n:][keep[n:]]
    masks = masks[:n][keep[:n]]
    labels = labels[keep[:n]]
    out = dict(target)
    if "mask_weights" in target:  # one weight per instance, dropped with it
        out["mask_weights"] = target["mask_weights"][keep[:n]]
    out.pop("crowd_masks", None)
    out.update(masks=masks, labels=labels, boxes=masks_to_boxes(masks), crowd_boxes=masks_to_boxes(crowd))
    return image.contiguous(), out


def _scale_keep_canvas(image: torch.Tensor, masks: torch.Tensor, s: float, g: torch.Generator):
    _, h, w = image.shape
    nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
    if (nh, nw) == (h, w):
        return image, masks
    img = F.interpolate(image[None], size=(nh, nw), mode="bilinear", align_corners=False)[0]
    if masks.shape[0]:
        m = F.interpolate(masks[None].float(), size=(nh, nw), mode="nearest-exact")[0].to(torch.uint8)
    else:
        m = masks.new_zeros((0, nh, nw))
    if s > 1:  # random crop back to h x w
        y0 = int(torch.randint(0, nh - h + 1, (), generator=g))
        x0 = int(torch.randint(0, nw - w + 1, (), generator=g))
        return img[:, y0 : y0 + h, x0 : x0 + w], m[:, y0 : y0 + h, x0 : x0 + w]
    # pad with the image mean at a random offset
    y0 = int(torch.randint(0, h - nh + 1, (), generator=g))
    x0 = int(torch.randint(0, w - nw + 1, (), generator=g))
    canvas = image.mean(dim=(1, 2), keepdim=True).expand(3, h, w).clone()
    canvas[:, y0 : y0 + nh, x0 : x0 + nw] = img
    mc = m.new_zeros((m.shape[0], h, w))
    mc[:, y0 : y0 + nh, x0 : x0 + nw] = m
    return canvas, mc


# ----------------------------------------------------------------------------
# deterministic, resumable batch schedule


class BatchSchedule:
    """Iteration ``i`` -> the list of dataset indices of its batch.

    Epoch ``e`` uses a permutation seeded by (seed, e), so a run resumed at
    iteration ``i`` sees exactly the batches an uninterrupted run would."""

    def __init__(self, n: int, batch_size: int, seed: int):
        if n == 0:
            raise DataError("training set is empty")
        self.n = n
        self.batch_size = min(batch_size, n)
        self.seed = seed
        self.iters_per_epoch = max(1, n // self.batch_size)
        self._perm_epoch = -1
        self._perm: np.ndarray | None = None

    def epoch_of(self, it: int) -> int:
        return it // self.iters_per_epoch

    def indices(self, it: int) -> list[int]:
        e = self.epoch_of(it)
        if e != self._perm_epoch:
            self._perm = np.random.default_rng([self.seed, e]).permutation(self.n)
            self._perm_epoch = e
        k = it % self.iters_per_epoch
        return [int(x) for x in self._perm[k * self.batch_size : (k + 1) * self.batch_size]]


class TrainBatches(torch.utils.data.Dataset):
    """Dataset of whole batches indexed by iteration (for an optional
    DataLoader with workers); augmentation RNG is seeded by (seed, iteration)."""

    def __init__(self, ds: CocoInstances, schedule: BatchSchedule, aug: AugmentConfig, seed: int, start: int, stop: int):
        self.ds, self.schedule, self.aug, self.seed = ds, schedule, aug, seed
        self.start, self.stop = start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, k: int):
        it = self.start + k
        g = torch.Generator().manual_seed((self.seed * 1_000_003 + it) % (2**63 - 1))
        images, targets = [], []
        for idx in self.schedule.indices(it):
            img, tgt = self.ds.get(idx)
            img, tgt = augment(img, tgt, self.aug, g)
            images.append(img)
            targets.append(tgt)
        return it, images, targets


def batch_iterator(batches: TrainBatches, workers: int):
    if workers <= 0:
        for k in range(len(batches)):
            yield batches[k]
        return
    loader = torch.utils.data.DataLoader(
        batches, batch_size=None, shuffle=False, num_workers=workers, persistent_workers=False, prefetch_factor=4
    )
    yield from loader


def image_path_exists(p: str) -> bool:
    return Path(p).exists()
