"""Command line: ``python -m vlm_loop_trainer {train,export-check,validate-spec,make-synthetic,export-base}``.

``train`` speaks the JSON-lines protocol on stdout (see schema/); the other
commands are helpers for people and tests and print plain JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def cmd_train(args) -> int:
    from .protocol import Emitter, SpecError, load_spec

    em = Emitter.install()
    try:
        try:
            spec = load_spec(args.spec)
        except SpecError as e:
            em.error("invalid_spec", str(e))
            return 2
        em.job_id = spec["jobId"]
        from .train import run

        return run(spec, em)
    except KeyboardInterrupt:
        em.error("interrupted", "interrupted (no checkpoint written)")
        return 130
    except Exception as e:  # last resort: always end with an error event
        traceback.print_exc()
        try:
            em.error("internal", f"{type(e).__name__}: {e}")
        except Exception:
            traceback.print_exc()
        return 1


def cmd_validate_spec(args) -> int:
    from .protocol import SpecError, load_spec

    try:
        load_spec(args.spec)
    except SpecError as e:
        print(json.dumps({"valid": False, "error": str(e)}))
        return 2
    print(json.dumps({"valid": True}))
    return 0


def cmd_export_check(args) -> int:
    """Re-runs the onnxruntime-vs-PyTorch check for a finished job's output dir."""
    import torch

    from .data import CocoInstances
    from .export import CheckTolerance, check_onnx
    from .models import build_model

    meta = json.load(open(os.path.join(args.output_dir, "metadata.json")))
    ck = torch.load(args.checkpoint or os.path.join(args.output_dir, "checkpoints", "best.pt"), map_location="cpu", weights_only=False)
    cats = [{"id": c["id"], "name": c["name"]} for c in meta["categories"]]
    model = build_model(meta["preset"], len(cats), int(meta["input"]["imageSize"]))
    model.load_state_dict(ck["model"])
    model.eval()
    images = []
    if args.coco:
        ds = CocoInstances(args.coco, args.image_root, cats)
        images = [ds.get(i)[0] for i in range(min(args.images, len(ds)))]
    rep = check_onnx(model, os.path.join(args.output_dir, "model.onnx"), images, CheckTolerance(mask_threshold=meta["maskThreshold"]))
    print(json.dumps(rep.as_event()))
    return 0 if rep.passed else 1


def cmd_export(args) -> int:
    """Exports a finished job's checkpoint again, in either mask form (e.g. torchvision's full form for a
    consumer that cannot paste masks), checked against PyTorch on blank images and any --coco images."""
    import torch

    from .data import CocoInstances
    from .export import CheckTolerance, check_onnx, export_onnx
    from .models import build_model

    meta = json.load(open(os.path.join(args.output_dir, "metadata.json")))
    ck = torch.load(args.checkpoint or os.path.join(args.output_dir, "checkpoints", "best.pt"), map_location="cpu", weights_only=False)
    cats = [{"id": c["id"], "name": c["name"]} for c in meta["categories"]]
    model = build_model(meta["preset"], len(cats), int(meta["input"]["imageSize"]))
    model.load_state_dict(ck["model"])
    model.eval()
    images = []
    if args.coco:
        ds = CocoInstances(args.coco, args.image_root, cats)
        images = [ds.get(i)[0] for i in range(min(args.images, len(ds)))]
    size = int(meta["input"]["imageSize"])
    export_onnx(model, args.out, images[0] if images else torch.rand(3, size, size), opset=int(meta["opset"]), mask_form=args.form)
    rep = check_onnx(model, args.out, images, CheckTolerance(mask_threshold=meta["maskThreshold"]))
    print(json.dumps({"onnx": args.out, "maskForm": args.form, "check": rep.as_event()}))
    return 0 if rep.passed else 1


def cmd_make_synthetic(args) -> int:
    from .testing import make_coco_dataset

    p = make_coco_dataset(args.out, args.num_images, seed=args.seed, size=args.size, name=args.name, start_index=args.start_index)
    print(json.dumps({"coco": str(p)}))
    return 0


def cmd_export_base(args) -> int:
    """Writes a base model (fp16, class heads dropped) and its provenance JSON from a pretraining checkpoint."""
    from .base import export_base

    prov = export_base(args.checkpoint, args.preset, args.out, args.provenance)
    print(json.dumps({"weights": args.out, "sha256": prov["sha256"], "bytes": prov["bytes"]}))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vlm_loop_trainer")
    ap.add_argument("-v", "--verbose", action="store_true")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="run a training job; JSON-lines progress on stdout")
    t.add_argument("--spec", required=True)
    t.set_defaults(func=cmd_train)
    v = sub.add_parser("validate-spec", help="validate a job spec against schema/train-job-spec.schema.json")
    v.add_argument("--spec", required=True)
    v.set_defaults(func=cmd_validate_spec)
    e = sub.add_parser("export-check", help="compare a job's model.onnx with its PyTorch checkpoint")
    e.add_argument("--output-dir", required=True)
    e.add_argument("--checkpoint")
    e.add_argument("--coco", help="COCO JSON whose images are compared (default: only blank images)")
    e.add_argument("--image-root")
    e.add_argument("--images", type=int, default=8)
    e.set_defaults(func=cmd_export_check)
    x = sub.add_parser("export", help="export a job's checkpoint again in a chosen mask form (roi or full)")
    x.add_argument("--output-dir", required=True)
    x.add_argument("--checkpoint")
    x.add_argument("--form", choices=["roi", "full"], required=True)
    x.add_argument("--out", required=True)
    x.add_argument("--coco", help="COCO JSON whose images are compared (default: only blank images)")
    x.add_argument("--image-root")
    x.add_argument("--images", type=int, default=8)
    x.set_defaults(func=cmd_export)
    m = sub.add_parser("make-synthetic", help="write a small synthetic COCO dataset (tests, benchmarks)")
    m.add_argument("--out", required=True)
    m.add_argument("--num-images", type=int, default=100)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--size", type=int, default=160)
    m.add_argument("--name", default="train")
    m.add_argument("--start-index", type=int, default=0)
    m.set_defaults(func=cmd_make_synthetic)
    b = sub.add_parser("export-base", help="write a base model for weights {base: path} from a pretraining checkpoint")
    b.add_argument("--checkpoint", required=True)
    b.add_argument("--preset", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--provenance", help="JSON (command, corpus, metrics, ...) merged into the provenance written beside --out")
    b.set_defaults(func=cmd_export_base)
    args = ap.parse_args(argv)
    _setup_logging(args.verbose)
    return args.func(args)
