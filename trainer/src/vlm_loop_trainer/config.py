"""Turns a validated job spec into resolved settings (preset defaults filled in)."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from dataclasses import dataclass
from typing import Any

from .models import PRESETS


def adaptive_epochs(train_size: int, base_epochs: float = 10, min_epochs: int = 12, per_images: float = 1000) -> int:
    """The study's rule: max(min_epochs, floor(base_epochs * (1 + train_size / 1000)))."""
    return max(int(min_epochs), int(math.floor(base_epochs * (1 + train_size / per_images))))


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


@dataclass
class DeviceConfig:
    type: str
    threads: int | None
    amp: bool | None
    data_workers: int | None


@dataclass
class JobConfig:
    spec: dict
    job_id: str
    preset: str
    weights: Any
    categories: list[dict]
    output_dir: str
    hyper: dict
    seed: int
    device: DeviceConfig
    checkpoint_every: int
    progress_every: int
    resume: str
    export: dict

    def total_iterations(self, train_size: int, iters_per_epoch: int) -> tuple[int, float]:
        """(total iterations, epochs they amount to)."""
        if self.hyper.get("maxIterations"):
            t = int(self.hyper["maxIterations"])
            return t, t / iters_per_epoch
        ep = self.hyper.get("epochs")
        if isinstance(ep, int):
            epochs = ep
        else:
            ep = ep or {}
            epochs = adaptive_epochs(train_size, ep.get("base", 10), ep.get("min", 12), ep.get("perImages", 1000))
        return epochs * iters_per_epoch, float(epochs)

    def fingerprint(self) -> str:
        """Hash of everything that must match for a checkpoint to be resumed."""
        keep = {k: v for k, v in self.spec.items() if k not in ("device", "checkpointEvery", "progressEvery", "export", "resume", "$schema")}
        return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]


def resolve(spec: dict) -> JobConfig:
    preset = PRESETS[spec["preset"]]
    base = preset.hyper
    if isinstance(spec.get("weights"), dict):  # warm start from a checkpoint
        base = _merge(base, preset.warm_start_hyper)
    hyper = _merge(base, spec.get("hyper", {}))
    dev = spec.get("device", "auto")
    if isinstance(dev, str):
        dev = {"type": dev}
    device = DeviceConfig(dev.get("type", "auto"), dev.get("threads"), dev.get("amp"), dev.get("dataWorkers"))
    export = {"enabled": True, "opset": 17, "checkImages": 8, "scoreThreshold": 0.5, "maskThreshold": 0.5, "maskForm": "roi"}
    export.update(spec.get("export", {}))
    return JobConfig(
        spec=spec,
        job_id=spec["jobId"],
        preset=spec["preset"],
        weights=spec.get("weights", "none"),
        categories=spec["categories"],
        output_dir=os.path.abspath(spec["outputDir"]),
        hyper=hyper,
        seed=int(spec.get("seed", 0)),
        device=device,
        checkpoint_every=int(spec.get("checkpointEvery", 200)),
        progress_every=int(spec.get("progressEvery", 10)),
        resume=spec.get("resume", "auto"),
        export=export,
    )
