"""Runs one training job: ``run(spec, em)`` reads the spec, sets up device,
data and model, hands them to the engine's loop, exports the best model, and
turns every expected failure into one error event and an exit code.

Laid out like torchvision's detection references: this file is the thin
entry; the loop is in engine.py, data in datasets.py, the model in models.py
(``model_for``), resuming in checkpoint.py, the export in export.py, and
process plumbing (devices, seeds, signals, exit codes) in utils.py.
"""

from __future__ import annotations

import logging
import time

import torch

from . import checkpoint as ckpt
from .config import JobConfig, resolve
from .data import DataError
from .datasets import JobData, build_data
from .engine import NonFiniteLoss, Training, build_optimizer, lr_lambda, train_loop
from .export import build_metadata, export_best  # noqa: F401 - build_metadata: importable from here as before
from .models import WeightsUnavailable, count_parameters, model_for
from .protocol import Emitter
from .utils import (  # noqa: F401 - JobFailed, the exit codes and the setup helpers: importable from here as before
    EXIT_ERROR,
    EXIT_NONFINITE,
    EXIT_OK,
    EXIT_SPEC,
    JobFailed,
    configure_threads,
    device_name,
    seed_everything,
    select_device,
    use_amp,
    versions,
    weights_label,
)

log = logging.getLogger(__name__)


def run(spec: dict, em: Emitter) -> int:
    cfg = resolve(spec)
    em.job_id = cfg.job_id
    try:
        return _train(cfg, em)
    except JobFailed as e:
        em.error(e.code, str(e), **e.extra)
        return e.exit_code
    except NonFiniteLoss as e:
        em.error(
            "non_finite_loss",
            f"training diverged: loss is not finite at iteration {e.iteration} (try a lower lr); no model was exported",
            iteration=e.iteration,
            details={"losses": e.losses},
        )
        return EXIT_NONFINITE
    except DataError as e:
        em.error("data_error", str(e))
        return EXIT_ERROR
    except WeightsUnavailable as e:
        em.error("weights_unavailable", str(e))
        return EXIT_ERROR
    except torch.cuda.OutOfMemoryError as e:
        em.error("out_of_memory", f"GPU out of memory: {e} (lower batchSize or imageSize)")
        return EXIT_ERROR
    except MemoryError as e:
        em.error("out_of_memory", f"out of memory: {e}")
        return EXIT_ERROR


def _train(cfg: JobConfig, em: Emitter) -> int:
    wall0 = time.perf_counter()
    ids = [c["id"] for c in cfg.categories]
    if len(set(ids)) != len(ids):
        raise JobFailed("invalid_spec", "categories[].id must be unique", EXIT_SPEC)
    device = select_device(cfg)
    threads = configure_threads(cfg)
    # seeded before anything random happens: the model's initial weights come from this seed
    seed_everything(cfg.seed, device)
    amp = use_amp(cfg, device)
    paths = ckpt.CheckpointPaths.under(cfg.output_dir)
    data = build_data(cfg)
    t = _prepare(cfg, em, device, amp, data, paths)
    _emit_start(t, threads)
    it = train_loop(t)
    onnx_path, meta_path = export_best(
        cfg, em, t.model, best_path=paths.best, val=data.val, n_train=len(data.train), loop=t.loop, iterations=it, device=device
    )
    best = t.loop["best"]
    em.emit(
        "done",
        paths={"onnx": onnx_path, "metadata": meta_path, "bestCheckpoint": paths.best, "lastCheckpoint": paths.last},
        metrics=best["metrics"],
        bestIteration=best["iteration"],
        iterations=it,
        stopReason=t.loop["stopReason"],
        trainingSeconds=t.loop["trainingSeconds"],
        cpuSeconds=t.loop.get("cpuSeconds", 0.0),
        wallSeconds=time.perf_counter() - wall0,
        device=device_name(device),
    )
    return EXIT_OK


def _prepare(cfg: JobConfig, em: Emitter, device: torch.device, amp: bool, data: JobData, paths: ckpt.CheckpointPaths) -> Training:
    """Model, optimiser, schedule and scaler on the device; then, unless the
    spec says ``resume: never``, this job's own last checkpoint is restored
    over them (weights, optimiser state, schedule position, RNG, loop state)."""
    model = model_for(cfg)
    model.to(device)
    model.train()
    optimizer = build_optimizer(model, cfg.hyper, device)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg.hyper, data.total))
    scaler = torch.amp.GradScaler("cuda") if amp else None
    t = Training(cfg, em, device, amp, model, optimizer, scheduler, scaler, data, paths, ckpt.job_meta(cfg), ckpt.new_loop_state())
    if cfg.resume == "auto":
        resumed = ckpt.try_resume(paths.last, t.meta, model=model, optimizer=optimizer, scheduler=scheduler, scaler=scaler)
        if resumed is not None:
            t.start, t.loop = resumed
            t.resumed_from = paths.last
    return t


def _emit_start(t: Training, threads: int) -> None:
    cfg, data = t.cfg, t.data
    t.em.emit(
        "start",
        preset=cfg.preset,
        device=device_name(t.device),
        amp=t.amp,
        threads=threads,
        totalIterations=data.total,
        iterationsPerEpoch=data.schedule.iters_per_epoch,
        epochs=data.epochs,
        trainImages=len(data.train),
        trainAnnotations=data.train.num_annotations(),
        valImages=len(data.val),
        startIteration=t.start,
        resumedFrom=t.resumed_from,
        weights=weights_label(cfg.weights),
        parameters=count_parameters(t.model),
        batchSize=data.schedule.batch_size,
        imageSize=int(cfg.hyper["imageSize"]),
        seed=cfg.seed,
        versions=versions(),
    )
