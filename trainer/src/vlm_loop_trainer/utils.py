"""Process-level plumbing of a training job: exit codes, the job's own error,
device and thread selection, seeding, and the signals that stop a run."""

from __future__ import annotations

import logging
import os
import random
import signal
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import __version__
from .config import JobConfig

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_SPEC = 2
EXIT_NONFINITE = 3


class JobFailed(Exception):
    """A failure the job reports as one error event (code, message, extra fields) and exit code."""

    def __init__(self, code: str, message: str, exit_code: int = EXIT_ERROR, **extra):
        super().__init__(message)
        self.code = code
        self.exit_code = exit_code
        self.extra = extra


@dataclass
class Signals:
    """SIGTERM/SIGINT ask for a checkpoint at the end of the current
    iteration, so that the same spec resumes where it stopped; a second
    signal means the caller will not wait: stop at once."""

    received: int | None = None

    def install(self):
        def handler(signum, frame):
            if self.received is not None:  # second signal: stop now
                raise KeyboardInterrupt
            log.warning("signal %d received: checkpointing at the end of this iteration", signum)
            self.received = signum

        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, handler)


def select_device(cfg: JobConfig) -> torch.device:
    t = cfg.device.type
    if t == "cuda" and not torch.cuda.is_available():
        raise JobFailed("device_unavailable", "device 'cuda' requested but CUDA is not available")
    if t == "auto":
        t = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(t)


def configure_threads(cfg: JobConfig) -> int:
    n = cfg.device.threads or os.cpu_count() or 1
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    return n


def seed_everything(seed: int, device: torch.device) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if device.type == "cpu":
        # CPU kernels used here are deterministic for a fixed thread count;
        # warn_only keeps ops without a deterministic variant usable
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        torch.backends.cudnn.benchmark = True


def use_amp(cfg: JobConfig, device: torch.device) -> bool:
    """Mixed precision: on by default on CUDA; the GradScaler and float16
    autocast used here are CUDA-only, so a CPU job never uses it, even when asked."""
    amp = bool(cfg.device.amp if cfg.device.amp is not None else device.type == "cuda")
    return amp and device.type == "cuda"


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        try:
            return f"cuda:{torch.cuda.get_device_name(device)}"
        except Exception:
            return "cuda"
    return "cpu"


def weights_label(w: Any) -> str:
    if isinstance(w, dict):
        return f"base:{w['base']}" if "base" in w else f"checkpoint:{w['checkpoint']}"
    return str(w)


def versions() -> dict[str, str]:
    return {"trainer": __version__, "torch": torch.__version__, "torchvision": __import__("torchvision").__version__}
