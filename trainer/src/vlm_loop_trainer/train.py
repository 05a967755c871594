"""Runs one training job: data, model, loop, evaluation, checkpoints, export."""

from __future__ import annotations

import logging
import os
import random
import signal
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from . import __version__
from . import checkpoint as ckpt
from .config import JobConfig, resolve
from .data import AugmentConfig, BatchSchedule, CocoInstances, DataError, TrainBatches, batch_iterator
from .engine import NonFiniteLoss, build_coco_gt, build_optimizer, evaluate, lr_lambda, train_step
from .ignore import install_ignore_regions
from .export import CheckTolerance, ExportError, ExportMismatch, export_and_check
from .base import load_base
from .models import WeightsUnavailable, build_model, count_parameters, load_warm_start
from .protocol import Emitter

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_SPEC = 2
EXIT_NONFINITE = 3


class JobFailed(Exception):
    def __init__(self, code: str, message: str, exit_code: int = EXIT_ERROR, **extra):
        super().__init__(message)
        self.code = code
        self.exit_code = exit_code
        self.extra = extra


@dataclass
class _Signals:
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


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        try:
            return f"cuda:{torch.cuda.get_device_name(device)}"
        except Exception:
            return "cuda"
    return "cpu"


def _weights_label(w) -> str:
    if isinstance(w, dict):
        return f"base:{w['base']}" if "base" in w else f"checkpoint:{w['checkpoint']}"
    return str(w)


def run(spec: dict, em: Emitter) -> int:
    cfg = resolve(spec)
    em.job_id = cfg.job_id
    try:
        return _run(cfg, em)
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


def _run(cfg: JobConfig, em: Emitter) -> int:
    wall0 = time.perf_counter()
    ids = [c["id"] for c in cfg.categories]
    if len(set(ids)) != len(ids):
        raise JobFailed("invalid_spec", "categories[].id must be unique", EXIT_SPEC)
    device = select_device(cfg)
    threads = configure_threads(cfg)
    seed_everything(cfg.seed, device)
    amp = bool(cfg.device.amp if cfg.device.amp is not None else device.type == "cuda")
    if amp and device.type != "cuda":
        amp = False
    hyper = cfg.hyper
    out = cfg.output_dir
    ck_dir = os.path.join(out, "checkpoints")
    os.makedirs(ck_dir, exist_ok=True)
    last_path = os.path.join(ck_dir, "last.pt")
    best_path = os.path.join(ck_dir, "best.pt")

    # ---- data
    d = cfg.spec["data"]
    cache = True
    train_ds = CocoInstances(d["train"]["coco"], d["train"].get("imageRoot"), cfg.categories, cache_images=cache)
    val_ds = CocoInstances(d["val"]["coco"], d["val"].get("imageRoot"), cfg.categories, cache_images=cache)
    if len(val_ds) == 0:
        raise DataError("validation set is empty")
    gt = build_coco_gt(val_ds)
    log.info("training set: %d images, %d instances, %d crowd (ignore) regions", len(train_ds), train_ds.num_annotations(), train_ds.num_crowd_regions())
    schedule = BatchSchedule(len(train_ds), int(hyper["batchSize"]), cfg.seed)
    total, epochs = cfg.total_iterations(len(train_ds), schedule.iters_per_epoch)

    # ---- model
    num_classes = len(cfg.categories)
    model = build_model(cfg.preset, num_classes, int(hyper["imageSize"]), cfg.weights)
    warm_info = None
    if isinstance(cfg.weights, dict) and "base" in cfg.weights:
        # read_base checks everything (hash, format, preset, layout) before a tensor is loaded
        warm_info = load_base(model, cfg.weights["base"], cfg.preset)
        log.info("base start from %s: %d tensors, heads replaced: %s", cfg.weights["base"], warm_info["loaded"], warm_info["replaced"])
    elif isinstance(cfg.weights, dict):
        p = cfg.weights["checkpoint"]
        if not os.path.exists(p):
            raise WeightsUnavailable(f"warm-start checkpoint not found: {p}")
        try:
            warm_info = load_warm_start(model, p, cfg.categories)
        except Exception as e:
            raise WeightsUnavailable(f"cannot load warm-start checkpoint {p}: {e}") from e
        log.info("warm start from %s: %s", p, warm_info)
    install_ignore_regions(model)  # crowd annotations: ignored, not background
    model.to(device)
    model.train()
    optimizer = build_optimizer(model, hyper, device)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(hyper, total))
    scaler = torch.amp.GradScaler("cuda") if amp else None

    # ---- resume
    meta = {
        "jobId": cfg.job_id,
        "fingerprint": cfg.fingerprint(),
        "preset": cfg.preset,
        "categories": cfg.categories,
        "imageSize": int(hyper["imageSize"]),
        "trainerVersion": __version__,
    }
    loop = {
        "trainingSeconds": 0.0,
        "cpuSeconds": 0.0,
        "best": None,  # {"iteration", "metrics"}
        "evals": [],
        "badEvals": 0,
        "stopReason": None,
    }
    start = 0
    resumed_from = None
    if cfg.resume == "auto" and os.path.exists(last_path):
        try:
            state = ckpt.load(last_path)
        except Exception as e:
            log.warning("cannot read %s (%s): starting from scratch", last_path, e)
            state = None
        if state is not None and state.get("jobId") == cfg.job_id and state.get("fingerprint") == meta["fingerprint"]:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            if scaler is not None and state.get("scaler"):
                scaler.load_state_dict(state["scaler"])
            ckpt.set_rng_state(state["rng"])
            loop = state["loop"]
            start = int(state["iteration"])
            resumed_from = last_path
            log.info("resuming from %s at iteration %d", last_path, start)
        elif state is not None:
            stale = last_path + ".stale"
            os.replace(last_path, stale)
            log.warning("%s belongs to another job or other settings; moved to %s, starting from scratch", last_path, stale)

    em.emit(
        "start",
        preset=cfg.preset,
        device=_device_name(device),
        amp=amp,
        threads=threads,
        totalIterations=total,
        iterationsPerEpoch=schedule.iters_per_epoch,
        epochs=epochs,
        trainImages=len(train_ds),
        trainAnnotations=train_ds.num_annotations(),
        valImages=len(val_ds),
        startIteration=start,
        resumedFrom=resumed_from,
        weights=_weights_label(cfg.weights),
        parameters=count_parameters(model),
        batchSize=schedule.batch_size,
        imageSize=int(hyper["imageSize"]),
        seed=cfg.seed,
        versions={"trainer": __version__, "torch": torch.__version__, "torchvision": __import__("torchvision").__version__},
    )

    sig = _Signals()
    sig.install()
    es = hyper.get("earlyStopping") or {}
    patience = es.get("patience")
    min_delta = float(es.get("minDelta") or 0.0)
    target = es.get("targetSegmAP")
    eval_every = int(hyper["evalEvery"])
    eval_bs = max(1, int(hyper["batchSize"]) * 2)
    grad_clip = hyper.get("gradClipNorm")

    def save_last(it: int, reason: str):
        ckpt.save_training_checkpoint(last_path, model=model, optimizer=optimizer, scheduler=scheduler, scaler=scaler, iteration=it, loop=loop, meta=meta)
        em.emit("checkpoint", iteration=it, path=last_path, reason=reason)

    def interrupted(it: int):
        save_last(it, "signal")
        name = signal.Signals(sig.received).name
        raise JobFailed(
            "interrupted",
            f"{name} received: checkpoint written at iteration {it}; run the same spec again to resume",
            128 + int(sig.received),
            iteration=it,
            checkpoint=last_path,
        )

    def do_eval(it: int) -> bool:
        """Evaluates, records, saves best; returns True when training should stop."""
        t0 = time.perf_counter()
        metrics = evaluate(model, val_ds, gt, device, batch_size=eval_bs, amp=amp)
        dt = time.perf_counter() - t0
        best = loop["best"]
        is_best = best is None or metrics["segmAP"] > best["metrics"]["segmAP"]
        if best is None or metrics["segmAP"] > best["metrics"]["segmAP"] + min_delta:
            loop["badEvals"] = 0
        else:
            loop["badEvals"] += 1
        if is_best:
            loop["best"] = {"iteration": it, "metrics": metrics}
            ckpt.save_model_checkpoint(best_path, state_dict=ckpt.model_state(model), meta={**meta, "iteration": it, "metrics": metrics})
        loop["evals"].append({"iteration": it, "metrics": metrics, "trainingSeconds": loop["trainingSeconds"], "cpuSeconds": loop.get("cpuSeconds", 0.0)})
        em.emit(
            "evaluation",
            iteration=it,
            epoch=schedule.epoch_of(max(0, it - 1)),
            metrics=metrics,
            isBest=is_best,
            bestSegmAP=loop["best"]["metrics"]["segmAP"],
            bestIteration=loop["best"]["iteration"],
            evalSeconds=dt,
            trainingSeconds=loop["trainingSeconds"],
            cpuSeconds=loop.get("cpuSeconds", 0.0),
        )
        if is_best:
            em.emit("checkpoint", iteration=it, path=best_path, reason="best")
        if target is not None and metrics["segmAP"] >= float(target):
            loop["stopReason"] = "target_reached"
            return True
        if patience and loop["badEvals"] >= int(patience):
            loop["stopReason"] = "early_stopping"
            return True
        return False

    # ---- loop
    aug = AugmentConfig.from_spec(hyper.get("augment"))
    workers = cfg.device.data_workers if cfg.device.data_workers is not None else (min(4, (os.cpu_count() or 2) // 2) if device.type == "cuda" else 0)
    it = start
    window: deque[tuple[float, int]] = deque(maxlen=20)
    stop = loop.get("stopReason") is not None
    if not stop and start < total:
        batches = TrainBatches(train_ds, schedule, aug, cfg.seed, start, total)
        t_prev = time.perf_counter()
        c_prev = time.process_time()
        for it0, images, targets in batch_iterator(batches, workers):
            vals = train_step(model, optimizer, scheduler, scaler, images, targets, device, amp, grad_clip, it0)
            it = it0 + 1
            now = time.perf_counter()
            dt = now - t_prev
            loop["trainingSeconds"] += dt
            loop["cpuSeconds"] = loop.get("cpuSeconds", 0.0) + time.process_time() - c_prev
            window.append((dt, len(images)))
            if it == start + 1 or it % cfg.progress_every == 0 or it == total:
                secs = sum(w[0] for w in window)
                ips = sum(w[1] for w in window) / secs if secs > 0 else 0.0
                em.emit(
                    "iteration",
                    iteration=it,
                    totalIterations=total,
                    epoch=schedule.epoch_of(it0),
                    losses=vals,
                    lr=optimizer.param_groups[0]["lr"],
                    imagesPerSecond=ips,
                    etaSeconds=max(0.0, (total - it) * secs / len(window)),
                )
            if it % eval_every == 0 or it == total:
                stop = do_eval(it)
            if it % cfg.checkpoint_every == 0 or it == total or stop:
                save_last(it, "final" if (it == total or stop) else "periodic")
            if em.broken and sig.received is None:
                sig.received = int(signal.SIGPIPE)
            if sig.received is not None:
                interrupted(it)
            if stop:
                break
            t_prev = time.perf_counter()
            c_prev = time.process_time()
    if loop["best"] is None:
        do_eval(it)
        save_last(it, "final")
    if loop.get("stopReason") is None:
        loop["stopReason"] = "completed"
    if sig.received is not None:
        interrupted(it)

    # ---- export the best model
    best = loop["best"]
    best_state = ckpt.load(best_path)["model"]
    model.load_state_dict(best_state)
    model.cpu().eval()
    onnx_path = meta_path = None
    if cfg.export["enabled"]:
        n_check = int(cfg.export["checkImages"])
        check_images = [val_ds.get(i)[0] for i in range(min(n_check, len(val_ds)))]
        if not check_images:
            check_images = [val_ds.get(0)[0]]
        metadata = build_metadata(cfg, model, best, loop, len(train_ds), len(val_ds), it, device)
        tol = CheckTolerance(mask_threshold=float(cfg.export["maskThreshold"]))
        try:
            onnx_path, meta_path, rep, secs = export_and_check(model, out, check_images, int(cfg.export["opset"]), metadata, tol)
        except ExportMismatch as e:
            raise JobFailed("export_mismatch", str(e), details=e.report) from e
        except ExportError as e:
            raise JobFailed("export_failed", str(e)) from e
        em.emit("export", onnx=onnx_path, metadata=meta_path, opset=int(cfg.export["opset"]), seconds=secs, check=rep.as_event())
    em.emit(
        "done",
        paths={"onnx": onnx_path, "metadata": meta_path, "bestCheckpoint": best_path, "lastCheckpoint": last_path},
        metrics=best["metrics"],
        bestIteration=best["iteration"],
        iterations=it,
        stopReason=loop["stopReason"],
        trainingSeconds=loop["trainingSeconds"],
        cpuSeconds=loop.get("cpuSeconds", 0.0),
        wallSeconds=time.perf_counter() - wall0,
        device=_device_name(device),
    )
    return EXIT_OK


def build_metadata(cfg: JobConfig, model, best, loop, n_train, n_val, iterations, device) -> dict:
    t = model.transform
    return {
        "format": "vlm-loop-model@1",
        "jobId": cfg.job_id,
        "preset": cfg.preset,
        "categories": [{"label": i + 1, "id": c["id"], "name": c["name"]} for i, c in enumerate(cfg.categories)],
        "backgroundLabel": 0,
        "input": {
            "name": "image",
            "dtype": "float32",
            "layout": "CHW",
            "colorOrder": "RGB",
            "range": [0.0, 1.0],
            "dynamicAxes": ["height", "width"],
            "imageSize": int(cfg.hyper["imageSize"]),
            "resize": {"minSize": int(t.min_size[0]), "maxSize": int(t.max_size), "insideModel": True},
        },
        "normalisation": {"mean": [float(v) for v in t.image_mean], "std": [float(v) for v in t.image_std], "insideModel": True},
        "outputs": {
            "boxes": "float32 [N,4] x1,y1,x2,y2 in input pixels",
            "labels": "int64 [N] (index into categories by label)",
            "scores": "float32 [N], sorted descending",
            "masks": "float32 [N,1,H,W] mask probabilities at input resolution",
        },
        "scoreThreshold": float(cfg.export["scoreThreshold"]),
        "modelScoreThreshold": float(model.roi_heads.score_thresh),
        "maskThreshold": float(cfg.export["maskThreshold"]),
        "maxDetections": int(model.roi_heads.detections_per_img),
        "opset": int(cfg.export["opset"]),
        "metrics": best["metrics"],
        "training": {
            "iterations": iterations,
            "bestIteration": best["iteration"],
            "stopReason": loop.get("stopReason"),
            "trainingSeconds": loop["trainingSeconds"],
            "trainImages": n_train,
            "valImages": n_val,
            "weights": _weights_label(cfg.weights),
            "seed": cfg.seed,
            "device": _device_name(device),
            "hyper": cfg.hyper,
            "evaluations": loop["evals"],
        },
        "versions": {"trainer": __version__, "torch": torch.__version__, "torchvision": __import__("torchvision").__version__},
    }
