"""The training engine: optimiser and learning-rate schedule, one training
step, and the loop that runs a job's iterations with its evaluations,
checkpoints, early stopping and interruption (COCO metrics: coco_eval.py)."""

from __future__ import annotations

import logging
import math
import signal
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator, NoReturn

import torch

from . import checkpoint as ckpt
from .coco_eval import build_coco_gt, coco_metrics, evaluate, predict, predictions_to_coco  # noqa: F401 - also imported from here (bench/)
from .config import JobConfig
from .datasets import JobData, train_batches
from .protocol import Emitter
from .utils import JobFailed, Signals

log = logging.getLogger(__name__)


class NonFiniteLoss(RuntimeError):
    def __init__(self, iteration: int, losses: dict[str, float]):
        super().__init__(f"loss is not finite at iteration {iteration}: {losses}")
        self.iteration = iteration
        self.losses = losses


# ----------------------------------------------------------------------------
# optimiser and schedule


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 else decay).append(p)  # norms and biases: no decay
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def build_optimizer(model: torch.nn.Module, hyper: dict, device: torch.device) -> torch.optim.Optimizer:
    groups = param_groups(model, float(hyper["weightDecay"]))
    lr = float(hyper["lr"])
    if hyper["optimizer"] == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=float(hyper["momentum"]))
    kw: dict[str, Any] = {}
    # the fused kernel is much faster than the per-tensor loop on CPU and on GPU
    kw["fused"] = True
    try:
        return torch.optim.AdamW(groups, lr=lr, **kw)
    except (RuntimeError, TypeError):  # pragma: no cover - older torch / odd device
        return torch.optim.AdamW(groups, lr=lr)


def lr_lambda(hyper: dict, total: int):
    warm = int(hyper["warmupIterations"])
    wf = float(hyper["warmupFactor"])
    sched = hyper["lrSchedule"]
    min_f = float(hyper["minLrFactor"])

    def f(it: int) -> float:
        w = 1.0
        if it < warm:
            w = wf + (1 - wf) * it / max(1, warm)
        if sched == "constant":
            return w
        if sched == "step":
            return w * (0.1 ** sum(it >= m for m in (int(total * 2 / 3), int(total * 8 / 9))))
        span = max(1, total - warm)
        t = min(1.0, max(0.0, (it - warm) / span))
        return w * (min_f + (1 - min_f) * 0.5 * (1 + math.cos(math.pi * t)))

    return f


# ----------------------------------------------------------------------------
# one training iteration


def train_step(model, optimizer, scheduler, scaler, images, targets, device, amp: bool, grad_clip: float | None, iteration: int):
    images = [im.to(device, non_blocking=True) for im in images]
    targets = [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in targets]
    with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
        loss_dict = model(images, targets)
    loss = sum(loss_dict.values())
    vals = {k: float(v.detach()) for k, v in loss_dict.items()}
    vals["total"] = float(loss.detach())
    if not all(math.isfinite(v) for v in vals.values()):
        raise NonFiniteLoss(iteration, vals)
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        if grad_clip:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        if grad_clip:
            gn = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            if not torch.isfinite(gn):
                raise NonFiniteLoss(iteration, {**vals, "gradNorm": float(gn)})
        optimizer.step()
    scheduler.step()
    return vals


# ----------------------------------------------------------------------------
# the loop


@dataclass
class Training:
    """What the loop reads and updates; train.py builds it (and resumes it)."""

    cfg: JobConfig
    em: Emitter
    device: torch.device
    amp: bool
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler | None
    data: JobData
    paths: ckpt.CheckpointPaths
    meta: dict  # stored with every checkpoint (checkpoint.job_meta)
    loop: dict  # bookkeeping saved in last.pt (checkpoint.new_loop_state)
    start: int = 0  # first iteration to run: > 0 when resumed
    resumed_from: str | None = None


@dataclass
class EarlyStopping:
    patience: Any  # evaluations without a gain of more than min_delta; None/0: off
    min_delta: float
    target: Any  # segmAP that ends the run at once; None: off

    @classmethod
    def from_hyper(cls, hyper: dict) -> "EarlyStopping":
        es = hyper.get("earlyStopping") or {}
        return cls(es.get("patience"), float(es.get("minDelta") or 0.0), es.get("targetSegmAP"))

    def should_stop(self, loop: dict, metrics: dict) -> bool:
        """Records why in ``loop["stopReason"]``, which a resumed run reads back."""
        if self.target is not None and metrics["segmAP"] >= float(self.target):
            loop["stopReason"] = "target_reached"
            return True
        if self.patience and loop["badEvals"] >= int(self.patience):
            loop["stopReason"] = "early_stopping"
            return True
        return False


def save_last(t: Training, it: int, reason: str) -> None:
    ckpt.save_training_checkpoint(
        t.paths.last, model=t.model, optimizer=t.optimizer, scheduler=t.scheduler, scaler=t.scaler, iteration=it, loop=t.loop, meta=t.meta
    )
    t.em.emit("checkpoint", iteration=it, path=t.paths.last, reason=reason)


def interrupted(t: Training, signum: int, it: int) -> NoReturn:
    """Checkpoints, then ends the job: running the same spec again resumes here."""
    save_last(t, it, "signal")
    name = signal.Signals(signum).name
    raise JobFailed(
        "interrupted",
        f"{name} received: checkpoint written at iteration {it}; run the same spec again to resume",
        128 + int(signum),
        iteration=it,
        checkpoint=t.paths.last,
    )


def _record_best(loop: dict, it: int, metrics: dict, min_delta: float) -> bool:
    """Any gain makes a new best; only a gain above min_delta resets the patience count."""
    best = loop["best"]
    is_best = best is None or metrics["segmAP"] > best["metrics"]["segmAP"]
    if best is None or metrics["segmAP"] > best["metrics"]["segmAP"] + min_delta:
        loop["badEvals"] = 0
    else:
        loop["badEvals"] += 1
    if is_best:
        loop["best"] = {"iteration": it, "metrics": metrics}
    return is_best


def evaluate_and_track(t: Training, it: int, es: EarlyStopping) -> bool:
    """Evaluates, records, saves the best model; returns True when training should stop."""
    loop = t.loop
    t0 = time.perf_counter()
    metrics = evaluate(t.model, t.data.val, t.data.gt, t.device, batch_size=max(1, int(t.cfg.hyper["batchSize"]) * 2), amp=t.amp)
    dt = time.perf_counter() - t0
    is_best = _record_best(loop, it, metrics, es.min_delta)
    if is_best:
        ckpt.save_model_checkpoint(t.paths.best, state_dict=ckpt.model_state(t.model), meta={**t.meta, "iteration": it, "metrics": metrics})
    loop["evals"].append({"iteration": it, "metrics": metrics, "trainingSeconds": loop["trainingSeconds"], "cpuSeconds": loop.get("cpuSeconds", 0.0)})
    t.em.emit(
        "evaluation",
        iteration=it,
        epoch=t.data.schedule.epoch_of(max(0, it - 1)),
        metrics=metrics,
        isBest=is_best,
        bestSegmAP=loop["best"]["metrics"]["segmAP"],
        bestIteration=loop["best"]["iteration"],
        evalSeconds=dt,
        trainingSeconds=loop["trainingSeconds"],
        cpuSeconds=loop.get("cpuSeconds", 0.0),
    )
    if is_best:
        t.em.emit("checkpoint", iteration=it, path=t.paths.best, reason="best")
    return es.should_stop(loop, metrics)


def _emit_iteration(t: Training, it: int, it0: int, losses: dict, window: deque) -> None:
    """Speed and ETA over the last iterations only (``window``), so they follow the current pace."""
    secs = sum(w[0] for w in window)
    ips = sum(w[1] for w in window) / secs if secs > 0 else 0.0
    t.em.emit(
        "iteration",
        iteration=it,
        totalIterations=t.data.total,
        epoch=t.data.schedule.epoch_of(it0),
        losses=losses,
        lr=t.optimizer.param_groups[0]["lr"],
        imagesPerSecond=ips,
        etaSeconds=max(0.0, (t.data.total - it) * secs / len(window)),
    )


def _iterate(t: Training, batches: Iterator, sig: Signals, es: EarlyStopping) -> int:
    """Iterations from t.start until the end, a stop decision or a signal; returns the last one."""
    cfg, loop, total = t.cfg, t.loop, t.data.total
    eval_every = int(cfg.hyper["evalEvery"])
    grad_clip = cfg.hyper.get("gradClipNorm")
    window: deque[tuple[float, int]] = deque(maxlen=20)
    it = t.start
    # training time excludes evaluation and checkpoint writing: the clocks restart after them
    t_prev, c_prev = time.perf_counter(), time.process_time()
    for it0, images, targets in batches:
        vals = train_step(t.model, t.optimizer, t.scheduler, t.scaler, images, targets, t.device, t.amp, grad_clip, it0)
        it = it0 + 1
        dt = time.perf_counter() - t_prev
        loop["trainingSeconds"] += dt
        loop["cpuSeconds"] = loop.get("cpuSeconds", 0.0) + time.process_time() - c_prev
        window.append((dt, len(images)))
        if it == t.start + 1 or it % cfg.progress_every == 0 or it == total:
            _emit_iteration(t, it, it0, vals, window)
        stop = False
        if it % eval_every == 0 or it == total:
            stop = evaluate_and_track(t, it, es)
        if it % cfg.checkpoint_every == 0 or it == total or stop:
            save_last(t, it, "final" if (it == total or stop) else "periodic")
        if t.em.broken and sig.received is None:  # nobody reads the progress any more: stop as if signalled
            sig.received = int(signal.SIGPIPE)
        if sig.received is not None:
            interrupted(t, sig.received, it)
        if stop:
            break
        t_prev, c_prev = time.perf_counter(), time.process_time()
    return it


def train_loop(t: Training) -> int:
    """Runs the job's iterations; returns the last one. Always ends with a
    best model (an evaluation at the end if none happened) and a stopReason."""
    sig = Signals()
    sig.install()
    es = EarlyStopping.from_hyper(t.cfg.hyper)
    batches = train_batches(t.cfg, t.data, t.device, t.start)
    it = t.start
    # a resumed run that had already stopped goes straight to the end
    if t.loop.get("stopReason") is None and t.start < t.data.total:
        it = _iterate(t, batches, sig, es)
    if t.loop["best"] is None:
        evaluate_and_track(t, it, es)
        save_last(t, it, "final")
    if t.loop.get("stopReason") is None:
        t.loop["stopReason"] = "completed"
    if sig.received is not None:
        interrupted(t, sig.received, it)
    return it
