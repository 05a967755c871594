"""Atomic checkpoints: model + optimizer + scheduler + scaler + RNG + loop state,
and resuming a job from its own last checkpoint."""

from __future__ import annotations

import logging
import os
import random
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import __version__
from .config import JobConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckpointPaths:
    last: str  # the resumable training state, rewritten every checkpointEvery
    best: str  # weights of the best evaluation so far: what is exported

    @classmethod
    def under(cls, output_dir: str) -> "CheckpointPaths":
        d = os.path.join(output_dir, "checkpoints")
        os.makedirs(d, exist_ok=True)
        return cls(os.path.join(d, "last.pt"), os.path.join(d, "best.pt"))


def job_meta(cfg: JobConfig) -> dict:
    """Stored with every checkpoint; jobId and fingerprint decide whether a
    last.pt may be resumed, the rest lets a best.pt warm-start a later version."""
    return {
        "jobId": cfg.job_id,
        "fingerprint": cfg.fingerprint(),
        "preset": cfg.preset,
        "categories": cfg.categories,
        "imageSize": int(cfg.hyper["imageSize"]),
        "trainerVersion": __version__,
    }


def new_loop_state() -> dict:
    """The loop's bookkeeping, saved in last.pt so that a resumed run goes on
    with the same best model, evaluation history and early-stopping count."""
    return {
        "trainingSeconds": 0.0,
        "cpuSeconds": 0.0,
        "best": None,  # {"iteration", "metrics"}
        "evals": [],
        "badEvals": 0,
        "stopReason": None,
    }


def atomic_save(obj: Any, path: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pt", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def rng_state() -> dict:
    st = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(st: dict) -> None:
    random.setstate(st["python"])
    np.random.set_state(st["numpy"])
    torch.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(st["cuda"])
        except (RuntimeError, IndexError):
            pass


def model_state(model: torch.nn.Module) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def save_training_checkpoint(path: str, *, model, optimizer, scheduler, scaler, iteration: int, loop: dict, meta: dict) -> None:
    atomic_save(
        {
            "format": "vlm-loop-trainer/checkpoint@1",
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict() if scaler is not None else None,
            "iteration": iteration,
            "rng": rng_state(),
            "loop": loop,
            **meta,
        },
        path,
    )


def save_model_checkpoint(path: str, *, state_dict: dict, meta: dict) -> None:
    """A weights-only checkpoint (best model): the warm-start input of the next version."""
    atomic_save({"format": "vlm-loop-trainer/model@1", "model": state_dict, **meta}, path)


def load(path: str) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)


def try_resume(path: str, meta: dict, *, model, optimizer, scheduler, scaler) -> tuple[int, dict] | None:
    """Restores model, optimizer, schedule, scaler and RNG from ``path`` when
    it is this job's with these settings: returns (iteration, loop state).

    An unreadable file is left alone. One of another job or other settings
    is moved to ``.stale``: it must not be resumed, nor overwritten unseen."""
    if not os.path.exists(path):
        return None
    try:
        state = load(path)
    except Exception as e:
        log.warning("cannot read %s (%s): starting from scratch", path, e)
        return None
    if state.get("jobId") != meta["jobId"] or state.get("fingerprint") != meta["fingerprint"]:
        stale = path + ".stale"
        os.replace(path, stale)
        log.warning("%s belongs to another job or other settings; moved to %s, starting from scratch", path, stale)
        return None
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    set_rng_state(state["rng"])
    start = int(state["iteration"])
    log.info("resuming from %s at iteration %d", path, start)
    return start, state["loop"]
