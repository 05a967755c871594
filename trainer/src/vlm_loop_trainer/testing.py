"""Small synthetic instance-segmentation datasets for tests and the benchmark.

Draws a few shape classes on textured, noisy backgrounds with exact masks
(occlusion handled: later shapes cover earlier ones) and writes a COCO
instances JSON with compressed RLE masks (pycocotools).

This is *not* the project's canonical synthetic dataset (a TypeScript tool
produces that); it is only meant to be small, fast and deterministic.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as mask_utils

SHAPES = ["circle", "square", "triangle", "star", "cross", "hexagon"]


def _regular_polygon(cx: float, cy: float, r: float, n: int, rot: float) -> list[tuple[float, float]]:
    return [(cx + r * math.cos(rot + 2 * math.pi * k / n), cy + r * math.sin(rot + 2 * math.pi * k / n)) for k in range(n)]


def _shape_mask(shape: str, size: int, cx: float, cy: float, r: float, rot: float) -> np.ndarray:
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    if shape == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=1)
    elif shape == "square":
        d.polygon(_regular_polygon(cx, cy, r, 4, rot), fill=1)
    elif shape == "triangle":
        d.polygon(_regular_polygon(cx, cy, r, 3, rot), fill=1)
    elif shape == "hexagon":
        d.polygon(_regular_polygon(cx, cy, r, 6, rot), fill=1)
    elif shape == "star":
        pts = []
        for k in range(10):
            rr = r if k % 2 == 0 else r * 0.45
            a = rot + math.pi * k / 5
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        d.polygon(pts, fill=1)
    elif shape == "cross":
        w = r * 0.36
        arms = [(-w, -r), (w, -r), (w, -w), (r, -w), (r, w), (w, w), (w, r), (-w, r), (-w, w), (-r, w), (-r, -w), (-w, -w)]
        c, s = math.cos(rot), math.sin(rot)
        d.polygon([(cx + x * c - y * s, cy + x * s + y * c) for x, y in arms], fill=1)
    else:  # pragma: no cover
        raise ValueError(shape)
    return np.asarray(img, dtype=np.uint8)


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
    img = Image.fromarray((grid * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    base = rng.random(3).astype(np.float32)
    other = rng.random(3).astype(np.float32)
    t = _smooth_noise(rng, size, int(rng.integers(2, 8)))[..., None]
    bg = base * (1 - t) + other * t
    # a little high-frequency texture
    bg += (_smooth_noise(rng, size, int(rng.integers(12, 40)))[..., None] - 0.5) * 0.25
    return bg


def draw_sample(rng: np.random.Generator, size: int, max_objects: int, num_classes: int, allow_empty: bool = True):
    """Returns (image uint8 HxWx3, list of (class_index, mask uint8))."""
    img = _background(rng, size)
    n = int(rng.integers(0 if allow_empty and rng.random() < 0.05 else 1, max_objects + 1))
    objs: list[tuple[int, np.ndarray]] = []
    for _ in range(n):
        cls = int(rng.integers(0, num_classes))
        small = rng.random() < 0.2
        r = float(rng.uniform(5, 9) if small else rng.uniform(10, size * 0.22))
        cx, cy = rng.uniform(r * 0.5, size - r * 0.5, size=2)
        m = _shape_mask(SHAPES[cls], size, float(cx), float(cy), r, float(rng.uniform(0, 2 * math.pi)))
        if m.sum() < 12:
            continue
        color = rng.random(3).astype(np.float32)
        tex = (_smooth_noise(rng, size, int(rng.integers(4, 16)))[..., None] - 0.5) * 0.3
        fill = np.clip(color + tex, 0, 1)
        sel = m.astype(bool)
        img[sel] = fill[sel]
        # occlusion: the new object hides whatever was under it
        objs = [(c, (om & (1 - m)).astype(np.uint8)) for c, om in objs]
        objs.append((cls, m))
    img += rng.normal(0, 0.03, size=img.shape).astype(np.float32)
    img = (np.clip(img, 0, 1) * 255).astype(np.uint8)
    objs = [(c, m) for c, m in objs if m.sum() >= 12]
    return img, objs


def make_coco_dataset(
    out_dir: str | Path,
    num_images: int,
    *,
    seed: int = 0,
    size: int = 160,
    max_objects: int = 6,
    num_classes: int = 6,
    category_ids: list[int] | None = None,
    name: str = "train",
    absolute_paths: bool = False,
    start_index: int = 0,
) -> Path:
    """Writes ``out_dir/name/*.png`` and ``out_dir/name.json``; returns the JSON path.

    ``category_ids`` lets tests use non-contiguous COCO ids; ``absolute_paths``
    adds an absolute ``path`` field to every image entry.
    """
    out_dir = Path(out_dir)
    img_dir = out_dir / name
    img_dir.mkdir(parents=True, exist_ok=True)
    category_ids = category_ids or list(range(1, num_classes + 1))
    assert len(category_ids) == num_classes
    categories = [{"id": cid, "name": SHAPES[i]} for i, cid in enumerate(category_ids)]
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    ann_id = 1
    for i in range(start_index, start_index + num_images):
        rng = np.random.default_rng([seed, i])
        img, objs = draw_sample(rng, size, max_objects, num_classes)
        fname = f"{name}_{i:05d}.png"
        Image.fromarray(img).save(img_dir / fname)
        entry: dict[str, Any] = {"id": i + 1, "file_name": f"{name}/{fname}", "width": size, "height": size}
        if absolute_paths:
            entry["path"] = str((img_dir / fname).resolve())
        images.append(entry)
        for cls, m in objs:
            rle = mask_utils.encode(np.asfortranarray(m))
            area = float(mask_utils.area(rle))
            bbox = [float(v) for v in mask_utils.toBbox(rle)]
            rle["counts"] = rle["counts"].decode("ascii")
            annotations.append(
                {
                    "id": ann_id,
                    "image_id": i + 1,
                    "category_id": category_ids[cls],
                    "segmentation": rle,
                    "area": area,
                    "bbox": bbox,
                    "iscrowd": 0,
                }
            )
            ann_id += 1
    coco = {"images": images, "annotations": annotations, "categories": categories}
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(coco))
    return path


def merge_coco(paths: list[Path], out: Path) -> Path:
    """Concatenates COCO files whose image ids and annotation ids do not clash
    (as produced by make_coco_dataset with disjoint ``start_index`` ranges)."""
    merged: dict[str, Any] = {"images": [], "annotations": [], "categories": None}
    ann_id = 1
    for p in paths:
        d = json.loads(Path(p).read_text())
        base = Path(p).parent
        for im in d["images"]:
            im = dict(im)
            if "path" not in im:
                im["path"] = str((base / im["file_name"]).resolve())
            merged["images"].append(im)
        for a in d["annotations"]:
            a = dict(a)
            a["id"] = ann_id
            ann_id += 1
            merged["annotations"].append(a)
        merged["categories"] = merged["categories"] or d["categories"]
    out.write_text(json.dumps(merged))
    return out
