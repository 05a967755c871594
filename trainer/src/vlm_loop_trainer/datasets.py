"""A job's data: the training and validation sets named by the spec, the
validation ground truth, the batch schedule and the batches of a run."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterator

import torch
from pycocotools.coco import COCO

from .coco_eval import build_coco_gt
from .config import JobConfig
from .data import AugmentConfig, BatchSchedule, CocoInstances, DataError, TrainBatches, batch_iterator

log = logging.getLogger(__name__)


@dataclass
class JobData:
    train: CocoInstances
    val: CocoInstances
    gt: COCO  # validation ground truth, built once for every evaluation
    schedule: BatchSchedule
    total: int  # iterations of the whole run
    epochs: float


def build_data(cfg: JobConfig) -> JobData:
    d = cfg.spec["data"]
    cache = True
    train = CocoInstances(
        d["train"]["coco"],
        d["train"].get("imageRoot"),
        cfg.categories,
        cache_images=cache,
        approved_mask_weight=float(cfg.hyper.get("approvedMaskWeight", 1.0)),
    )
    val = CocoInstances(d["val"]["coco"], d["val"].get("imageRoot"), cfg.categories, cache_images=cache)
    if len(val) == 0:
        raise DataError("validation set is empty")
    gt = build_coco_gt(val)
    log.info(
        "training set: %d images, %d instances (%d from approved predictions, mask weight %g), %d crowd (ignore) regions",
        len(train),
        train.num_annotations(),
        train.num_approved(),
        train.approved_mask_weight,
        train.num_crowd_regions(),
    )
    schedule = BatchSchedule(len(train), int(cfg.hyper["batchSize"]), cfg.seed)
    total, epochs = cfg.total_iterations(len(train), schedule.iters_per_epoch)
    return JobData(train, val, gt, schedule, total, epochs)


def data_workers(cfg: JobConfig, device: torch.device) -> int:
    """Loader processes unless the spec says: a few on CUDA, so that decoding
    and augmentation overlap the GPU's work; none on CPU, where the training
    threads already use the cores."""
    if cfg.device.data_workers is not None:
        return cfg.device.data_workers
    return min(4, (os.cpu_count() or 2) // 2) if device.type == "cuda" else 0


def train_batches(cfg: JobConfig, data: JobData, device: torch.device, start: int) -> Iterator:
    """(iteration, images, targets) from ``start`` to the end of the run.
    Batches and augmentation are seeded by iteration, so a resumed run sees
    exactly what an uninterrupted one would. Nothing is loaded until iterated."""
    aug = AugmentConfig.from_spec(cfg.hyper.get("augment"))
    workers = data_workers(cfg, device)
    return batch_iterator(TrainBatches(data.train, data.schedule, aug, cfg.seed, start, data.total), workers)
