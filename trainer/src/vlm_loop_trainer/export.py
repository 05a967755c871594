"""ONNX export and the onnxruntime-vs-PyTorch check.

The exported graph takes one float32 CHW RGB image in [0, 1] of any height
and width (resize and normalisation happen inside) and returns
``boxes`` [N,4] xyxy pixels, ``labels`` [N] int64, ``scores`` [N] and
``masks`` in one of two forms (``metadata.json``'s ``maskForm``):

- ``roi`` (what the trainer writes): [N,1,28,28], the mask head's per-detection
  probabilities. The consumer pastes them into the image the way torchvision's
  ``paste_masks_in_image`` does (1 px zero padding, box expanded by 30/28,
  bilinear) and thresholds, and only for the detections it keeps. Pasting
  inside the graph is an ONNX Loop over every detection that writes a
  full-resolution plane each: at 640x480 it made onnxruntime slower than
  PyTorch eager (bench/results/inference.md). Probabilities, not logits:
  torchvision interpolates probabilities, and interpolating logits would
  threshold differently.
- ``full`` (torchvision's own export form, and what users upload):
  [N,1,H,W] probabilities at the input resolution.

GroupNorm is rewritten into :class:`models.EmptySafeGroupNorm` before export:
the stock ONNX lowering reshapes the batch into groups and crashes
onnxruntime when the mask head sees zero detections.

``export_best`` is a training job's last step: the best checkpoint's weights,
exported and checked, next to ``metadata.json`` (``build_metadata``) that
tells a consumer how to feed the graph and read its outputs.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torchvision.models.detection.roi_heads import paste_masks_in_image
from torchvision.models.detection.transform import GeneralizedRCNNTransform, resize_boxes

from . import checkpoint as ckpt
from .models import replace_group_norm
from .utils import JobFailed, device_name, versions, weights_label

if TYPE_CHECKING:
    from .config import JobConfig
    from .data import CocoInstances
    from .protocol import Emitter

log = logging.getLogger(__name__)

INPUT_NAME = "image"
OUTPUT_NAMES = ["boxes", "labels", "scores", "masks"]
MASK_FORMS = ("roi", "full")


class ExportError(RuntimeError):
    pass


class ExportMismatch(RuntimeError):
    def __init__(self, message: str, report: dict):
        super().__init__(message)
        self.report = report


class RoiMaskTransform(GeneralizedRCNNTransform):
    """torchvision's transform whose postprocess scales the boxes back to the
    input image but leaves the masks as the mask head made them (MxM per
    detection): the ``roi`` export form."""

    def postprocess(self, result, image_shapes, original_image_sizes):
        if self.training:
            return result
        for pred, im_s, o_im_s in zip(result, image_shapes, original_image_sizes):
            pred["boxes"] = resize_boxes(pred["boxes"], im_s, o_im_s)
        return result


def export_onnx(
    model: torch.nn.Module,
    path: str,
    sample: torch.Tensor,
    opset: int = 17,
    rewrite_group_norm: bool = True,
    mask_form: str = "roi",
) -> None:
    if mask_form not in MASK_FORMS:
        raise ValueError(f"mask_form must be one of {MASK_FORMS}, not {mask_form!r}")
    m = copy.deepcopy(model).cpu().eval()
    if rewrite_group_norm:
        n = replace_group_norm(m)
        log.info("export: rewrote %d GroupNorm layers", n)
    if mask_form == "roi":
        m.transform.__class__ = RoiMaskTransform
    mask_axes = {0: "detections"} if mask_form == "roi" else {0: "detections", 2: "height", 3: "width"}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            torch.onnx.export(
                m,
                ([sample.cpu()],),
                tmp,
                opset_version=opset,
                input_names=[INPUT_NAME],
                output_names=OUTPUT_NAMES,
                dynamic_axes={
                    INPUT_NAME: {1: "height", 2: "width"},
                    "boxes": {0: "detections"},
                    "labels": {0: "detections"},
                    "scores": {0: "detections"},
                    "masks": mask_axes,
                },
                do_constant_folding=True,
                dynamo=False,
            )
    os.replace(tmp, path)


def ort_session(path: str):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    threads = torch.get_num_threads()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_ort(sess, image: torch.Tensor) -> dict[str, np.ndarray]:
    """The graph's outputs; ``roi`` masks are pasted at the input resolution
    with torchvision's own (eager) paste, so both forms compare alike."""
    outs = dict(zip(OUTPUT_NAMES, sess.run(None, {INPUT_NAME: image.cpu().numpy().astype(np.float32)})))
    h, w = image.shape[-2:]
    if outs["masks"].shape[-2:] != (h, w):
        masks = paste_masks_in_image(torch.from_numpy(outs["masks"]), torch.from_numpy(outs["boxes"]), (h, w))
        outs["masks"] = masks.numpy()
    return outs


@dataclass
class CheckTolerance:
    box: float = 1e-2  # pixels
    score: float = 1e-3
    mask_pixel_fraction: float = 1e-4  # of all mask pixels compared
    mask_threshold: float = 0.5
    score_margin: float = 1e-3  # detections this close to the model's score threshold may appear on one side only


@dataclass
class CheckReport:
    passed: bool = True
    images: int = 0
    detections: int = 0
    maxBoxDiff: float = 0.0
    maxScoreDiff: float = 0.0
    labelsIdentical: bool = True
    maskPixelsDifferent: int = 0
    maskPixelsCompared: int = 0
    emptyImage: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)

    def as_event(self) -> dict:
        d = dict(self.__dict__)
        d.pop("maskPixelsCompared")
        return d


def _compare(ref: dict[str, np.ndarray], got: dict[str, np.ndarray], tol: CheckTolerance, model_score_thresh: float, rep: CheckReport, tag: str) -> bool:
    def keep(o):
        s = o["scores"]
        return s >= model_score_thresh + tol.score_margin

    nr, ng = len(ref["scores"]), len(got["scores"])
    if nr != ng:
        # tolerate disagreement only for detections sitting on the score threshold
        kr, kg = keep(ref), keep(got)
        if kr.sum() != kg.sum():
            rep.failures.append(f"{tag}: {nr} detections in PyTorch vs {ng} in onnxruntime")
            return False
        ref = {k: v[kr] for k, v in ref.items()}
        got = {k: v[kg] for k, v in got.items()}
    n = len(ref["scores"])
    rep.detections += n
    ok = True
    if n == 0:
        return True
    if not np.array_equal(ref["labels"], got["labels"]):
        rep.labelsIdentical = False
        rep.failures.append(f"{tag}: labels differ")
        ok = False
    bd = float(np.abs(ref["boxes"] - got["boxes"]).max())
    sd = float(np.abs(ref["scores"] - got["scores"]).max())
    rep.maxBoxDiff = max(rep.maxBoxDiff, bd)
    rep.maxScoreDiff = max(rep.maxScoreDiff, sd)
    if bd > tol.box:
        rep.failures.append(f"{tag}: box difference {bd:.3g} px > {tol.box}")
        ok = False
    if sd > tol.score:
        rep.failures.append(f"{tag}: score difference {sd:.3g} > {tol.score}")
        ok = False
    if ref["masks"].shape != got["masks"].shape:
        rep.failures.append(f"{tag}: mask shapes {ref['masks'].shape} vs {got['masks'].shape}")
        return False
    diff = int(((ref["masks"] > tol.mask_threshold) != (got["masks"] > tol.mask_threshold)).sum())
    rep.maskPixelsDifferent += diff
    rep.maskPixelsCompared += int(ref["masks"].size)
    return ok


def check_onnx(
    model: torch.nn.Module,
    onnx_path: str,
    images: list[torch.Tensor],
    tol: CheckTolerance | None = None,
    empty_images: list[torch.Tensor] | None = None,
) -> CheckReport:
    """Runs the ONNX file with onnxruntime and the (original, not rewritten)
    PyTorch model on ``images`` plus blank images; returns a report whose
    ``passed`` is False when they disagree or onnxruntime fails."""
    tol = tol or CheckTolerance()
    rep = CheckReport()
    m = copy.deepcopy(model).cpu().eval()
    thresh = float(getattr(m.roi_heads, "score_thresh", 0.05))
    sess = ort_session(onnx_path)

    def torch_out(img):
        with torch.no_grad():
            o = m([img.cpu()])[0]
        return {
            "boxes": o["boxes"].numpy(),
            "labels": o["labels"].numpy(),
            "scores": o["scores"].numpy(),
            "masks": o["masks"].numpy(),
        }

    for k, img in enumerate(images):
        try:
            got = run_ort(sess, img)
        except Exception as e:  # onnxruntime failure is a check failure
            rep.failures.append(f"image {k}: onnxruntime failed: {e}")
            continue
        _compare(torch_out(img), got, tol, thresh, rep, f"image {k}")
        rep.images += 1
    if empty_images is None:
        h, w = images[0].shape[-2:] if images else (160, 160)
        empty_images = [torch.zeros(3, h, w), torch.full((3, h, w), 0.5)]
    rep.emptyImage = {"ran": True, "detections": 0, "matches": True}
    for k, img in enumerate(empty_images):
        try:
            got = run_ort(sess, img)
        except Exception as e:
            rep.emptyImage["ran"] = False
            rep.emptyImage["matches"] = False
            rep.failures.append(f"empty image {k}: onnxruntime failed: {str(e)[:500]}")
            continue
        before = len(rep.failures)
        _compare(torch_out(img), got, tol, thresh, rep, f"empty image {k}")
        rep.emptyImage["detections"] += int(len(got["scores"]))
        if len(rep.failures) > before:
            rep.emptyImage["matches"] = False
    if rep.maskPixelsCompared and rep.maskPixelsDifferent > tol.mask_pixel_fraction * rep.maskPixelsCompared:
        rep.failures.append(f"{rep.maskPixelsDifferent} of {rep.maskPixelsCompared} mask pixels differ after thresholding")
    rep.passed = not rep.failures
    return rep


def write_metadata(path: str, meta: dict[str, Any]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=2)
    os.replace(tmp, path)


def export_and_check(
    model,
    out_dir: str,
    check_images: list[torch.Tensor],
    opset: int,
    metadata: dict,
    tol: CheckTolerance | None = None,
    mask_form: str = "roi",
) -> tuple[str, str, CheckReport, float]:
    t0 = time.perf_counter()
    onnx_path = os.path.join(out_dir, "model.onnx")
    meta_path = os.path.join(out_dir, "metadata.json")
    sample = check_images[0] if check_images else torch.rand(3, 128, 128)
    try:
        export_onnx(model, onnx_path, sample, opset=opset, mask_form=mask_form)
    except Exception as e:
        raise ExportError(f"ONNX export failed: {e}") from e
    rep = check_onnx(model, onnx_path, check_images, tol)
    metadata = dict(metadata)
    metadata["exportCheck"] = rep.as_event()
    write_metadata(meta_path, metadata)
    if not rep.passed:
        raise ExportMismatch("ONNX check failed: " + "; ".join(rep.failures[:5]), rep.as_event())
    return onnx_path, meta_path, rep, time.perf_counter() - t0


# ----------------------------------------------------------------------------
# a training job's export


def export_best(cfg: JobConfig, em: Emitter, model, *, best_path: str, val: CocoInstances, n_train: int, loop: dict, iterations: int, device) -> tuple[str | None, str | None]:
    """Loads the best checkpoint into ``model`` (left on CPU in eval mode) and,
    when the spec asks, exports and checks it: returns (onnx, metadata) paths."""
    model.load_state_dict(ckpt.load(best_path)["model"])
    model.cpu().eval()
    if not cfg.export["enabled"]:
        return None, None
    n_check = int(cfg.export["checkImages"])
    check_images = [val.get(i)[0] for i in range(min(n_check, len(val)))]
    if not check_images:
        check_images = [val.get(0)[0]]
    metadata = build_metadata(cfg, model, loop["best"], loop, n_train, len(val), iterations, device)
    tol = CheckTolerance(mask_threshold=float(cfg.export["maskThreshold"]))
    try:
        onnx_path, meta_path, rep, secs = export_and_check(
            model, cfg.output_dir, check_images, int(cfg.export["opset"]), metadata, tol, mask_form=cfg.export["maskForm"]
        )
    except ExportMismatch as e:
        raise JobFailed("export_mismatch", str(e), details=e.report) from e
    except ExportError as e:
        raise JobFailed("export_failed", str(e)) from e
    em.emit("export", onnx=onnx_path, metadata=meta_path, opset=int(cfg.export["opset"]), seconds=secs, check=rep.as_event())
    return onnx_path, meta_path


def mask_output_doc(form: str, model) -> str:
    if form == "full":
        return "float32 [N,1,H,W] mask probabilities at input resolution"
    m = model.roi_heads.mask_roi_pool.output_size[0] * 2
    return (
        f"float32 [N,1,{m},{m}] mask probabilities per detection; paste as torchvision's paste_masks_in_image "
        "(1 px zero padding, box scaled about its centre by (M+2)/M and truncated to integers, bilinear "
        "with half-pixel centres) and threshold"
    )


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
            "masks": mask_output_doc(cfg.export["maskForm"], model),
        },
        "maskForm": cfg.export["maskForm"],
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
            "weights": weights_label(cfg.weights),
            "seed": cfg.seed,
            "device": device_name(device),
            "hyper": cfg.hyper,
            "evaluations": loop["evals"],
        },
        "versions": versions(),
    }
