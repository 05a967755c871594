from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from vlm_loop_trainer.models import build_model
from vlm_loop_trainer.protocol import PROGRESS_SCHEMA, SPEC_SCHEMA, load_schema
from vlm_loop_trainer.testing import make_coco_dataset

CATEGORY_IDS = [3, 7, 11]  # deliberately not 1..N
CATEGORIES = [{"id": 3, "name": "circle"}, {"id": 7, "name": "square"}, {"id": 11, "name": "triangle"}]


def _mix_formats(coco_path: Path) -> None:
    """Rewrites some annotations as polygons / uncompressed RLE, and adds an
    image without annotations (a negative)."""
    d = json.loads(coco_path.read_text())
    for k, a in enumerate(d["annotations"]):
        h = w = d["images"][0]["height"]
        m = mask_utils.decode({"size": a["segmentation"]["size"], "counts": a["segmentation"]["counts"].encode()})
        if k % 5 == 1:  # uncompressed RLE
            flat = m.flatten(order="F")
            counts, cur, run = [], 0, 0
            for v in flat:
                if v != cur:
                    counts.append(run)
                    run, cur = 0, v
                run += 1
            counts.append(run)
            a["segmentation"] = {"size": [h, w], "counts": [int(c) for c in counts]}
        elif k % 5 == 2:  # polygon (approximate: the bounding box)
            x, y, bw, bh = a["bbox"]
            a["segmentation"] = [[x, y, x + bw, y, x + bw, y + bh, x, y + bh]]
    neg = dict(d["images"][0])
    neg["id"] = 999999
    d["images"].append(neg)  # same picture, no annotations
    coco_path.write_text(json.dumps(d))


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("data")
    train = make_coco_dataset(root, 16, seed=11, size=96, max_objects=3, num_classes=3, category_ids=CATEGORY_IDS, name="train")
    _mix_formats(train)
    val = make_coco_dataset(root, 4, seed=12, size=96, max_objects=3, num_classes=3, category_ids=CATEGORY_IDS, name="val", start_index=500, absolute_paths=True)
    return {"root": root, "train": str(train), "val": str(val)}


def make_spec(dataset: dict, out_dir: Path, **over) -> dict:
    spec = {
        "jobId": "test-job",
        "preset": "tiny",
        "weights": "none",
        "categories": CATEGORIES,
        "data": {"train": {"coco": dataset["train"]}, "val": {"coco": dataset["val"]}},
        "outputDir": str(out_dir),
        "hyper": {"maxIterations": 20, "evalEvery": 10, "lr": 2e-3, "batchSize": 2},
        "seed": 7,
        "device": {"type": "cpu", "threads": 1},
        "checkpointEvery": 10,
        "progressEvery": 1,
        "export": {"enabled": False},
    }
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(spec.get(k), dict):
            spec[k] = {**spec[k], **v}
        else:
            spec[k] = v
    return spec


_progress_validator = None


def validate_event(ev: dict) -> None:
    global _progress_validator
    if _progress_validator is None:
        schema = load_schema(PROGRESS_SCHEMA)
        jsonschema.Draft202012Validator.check_schema(schema)
        _progress_validator = jsonschema.Draft202012Validator(schema)
    _progress_validator.validate(ev)


def parse_events(stdout: str) -> list[dict]:
    """Every stdout line must be one schema-valid JSON event."""
    events = []
    for line in stdout.splitlines():
        ev = json.loads(line)
        validate_event(ev)
        events.append(ev)
    return events


def trainer_cmd(spec_path: Path) -> list[str]:
    return [sys.executable, "-m", "vlm_loop_trainer", "train", "--spec", str(spec_path)]


def run_trainer(spec: dict, tmp_path: Path, name: str = "spec", timeout: float = 300) -> tuple[int, list[dict], str]:
    spec_path = tmp_path / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ, VLM_LOOP_TRAINER_OFFLINE="1")
    p = subprocess.run(trainer_cmd(spec_path), capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, parse_events(p.stdout), p.stderr


@pytest.fixture(scope="session")
def spec_validator():
    schema = load_schema(SPEC_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def np_mask(h=32, w=32) -> np.ndarray:
    m = np.zeros((h, w), dtype=np.uint8)
    m[4:12, 3:20] = 1
    m[12:20, 3:8] = 1  # an L: asymmetric in both axes
    return m


def assert_infers_like_plain(model, size: int, keys: tuple[str, ...]) -> None:
    """A model with training hooks installed predicts exactly what the same weights predict without them."""
    plain = build_model("tiny", 1, size)
    plain.load_state_dict(model.state_dict())
    x = [torch.rand(3, size, size)]
    with torch.no_grad():
        a, b = model.eval()(x)[0], plain.eval()(x)[0]
    for key in keys:
        assert torch.equal(a[key], b[key]), key


@pytest.fixture
def one_thread():
    """One torch thread for the test: model tests whose results must not depend on the core count."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
