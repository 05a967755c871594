"""Atomic checkpoints: model + optimizer + scheduler + scaler + RNG + loop state."""

from __future__ import annotations

import os
import random
import tempfile
from typing import Any

import numpy as np
import torch


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
