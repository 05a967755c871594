"""PyTorch side of bench/inference.bench.ts (not a test).

    prepare: writes a synthetic dataset and trains the trainer's model through its CLI, which exports
             model.onnx + metadata.json and keeps checkpoints/best.pt next to them (the weights exported).
    export:  exports that checkpoint in one mask form (roi or full) next to it, checked against PyTorch
             the way the trainer checks its own export; prints the ONNX path.
    time:    loads that checkpoint into the preset's torchvision Mask R-CNN and times eager inference
             (torch.inference_mode, batch 1, N threads) on the given images; prints one JSON line.

Run with the trainer's interpreter: trainer/.venv/bin/python bench/inference_torch.py ...
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "trainer" / "src"))


def prepare(args: argparse.Namespace) -> None:
    from vlm_loop_trainer.testing import SHAPES, make_coco_dataset

    work = Path(args.work)
    data = work / "data"
    train = make_coco_dataset(data, args.train_images, seed=11, name="train", size=args.size)
    val = make_coco_dataset(data, 8, seed=12, name="val", size=args.size, start_index=10_000)
    bench = make_coco_dataset(data, args.bench_images, seed=13, name="bench", size=args.size, start_index=20_000)
    spec = {
        "jobId": "inference-bench",
        "preset": args.preset,
        "weights": "none",
        "categories": [{"id": i + 1, "name": n} for i, n in enumerate(SHAPES)],
        "data": {"train": {"coco": str(train)}, "val": {"coco": str(val)}},
        "outputDir": str(work / "out"),
        "hyper": {"maxIterations": args.iterations, "evalEvery": 10_000, "earlyStopping": {"patience": None}},
        "seed": 0,
        "device": {"type": "cpu", "threads": args.threads},
        "checkpointEvery": 10_000,
        "progressEvery": 50,
        "resume": "never",
    }
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec, indent=2))
    proc = subprocess.run(
        [sys.executable, "-m", "vlm_loop_trainer", "train", "--spec", str(spec_path)],
        capture_output=True,
        text=True,
        cwd=str(HERE.parent / "trainer"),
    )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    done = next((e for e in events if e.get("type") == "done"), None)
    if proc.returncode != 0 or done is None:
        raise SystemExit(f"trainer failed (rc={proc.returncode}): {proc.stderr[-3000:]}")
    images = sorted(str(p) for p in (data / "bench").glob("*.png"))
    print(json.dumps({**done["paths"], "images": images}))


def load_model(checkpoint: str):
    import torch
    from vlm_loop_trainer.models import build_model

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = build_model(state["preset"], len(state["categories"]), int(state["imageSize"]))
    model.load_state_dict(state["model"])
    return model.eval()


def export(args: argparse.Namespace) -> None:
    import torch
    from vlm_loop_trainer.export import CheckTolerance, check_onnx, export_onnx

    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    images = [_tensor(p) for p in args.images]
    export_onnx(model, args.out, images[0], mask_form=args.form)
    rep = check_onnx(model, args.out, images, CheckTolerance())
    if not rep.passed:
        raise SystemExit(f"export check failed: {rep.failures[:5]}")
    print(json.dumps({"onnx": args.out, "form": args.form, "check": rep.as_event()}))


def _tensor(path: str):
    import numpy as np
    import torch
    from PIL import Image

    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous()


def time_eager(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    model = load_model(args.checkpoint)
    tensors = [_tensor(p) for p in args.images]
    detections = 0
    with torch.inference_mode():
        for img in tensors[: args.warmup]:
            model([img])
        rounds = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for img in tensors:
                out = model([img])[0]
                detections += int(out["scores"].shape[0])
            rounds.append(len(tensors) / (time.perf_counter() - t0))
    print(
        json.dumps(
            {
                "imagesPerSecond": statistics.median(rounds),
                "rounds": rounds,
                "meanDetections": detections / (len(tensors) * args.rounds),
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--work", required=True)
    p.add_argument("--preset", default="small")
    p.add_argument("--size", type=int, default=160)
    p.add_argument("--train-images", type=int, default=32)
    p.add_argument("--bench-images", type=int, default=32)
    p.add_argument("--iterations", type=int, default=60)
    p.add_argument("--threads", type=int, default=2)
    t = sub.add_parser("time")
    t.add_argument("--checkpoint", required=True)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--warmup", type=int, default=3)
    t.add_argument("--rounds", type=int, default=3)
    t.add_argument("images", nargs="+")
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--form", choices=["roi", "full"], required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--threads", type=int, default=2)
    e.add_argument("images", nargs="+")
    args = ap.parse_args()
    {"prepare": prepare, "export": export, "time": time_eager}[args.cmd](args)


if __name__ == "__main__":
    main()
