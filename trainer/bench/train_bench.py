"""Benchmark of the `small` preset on these CPUs (not part of the tests).

1. Data: the project's built-in dataset (`node bin/vlm-loop.mjs dataset synth
   --out DIR --images 1060 --seed 11 --difficulty medium`: 6 shape classes,
   160 px); images 0-799 are the v1 training set, 800-959 the 20 % more labels
   that arrive for v2, 960-1059 the held-out test split (never trained on).
   `--dataset python` uses the trainer's own small generator instead.
2. Throughput probe: a few timed training iterations of the preset right
   before v1, with the load average. Early iterations are the cheap ones (few
   positive RoIs yet): the probe is no estimate of a whole run's time.
3. v1: trains `small` from scratch on the 800 images through the real CLI
   (`python -m vlm_loop_trainer train --spec ...`), evaluating mask AP on the
   held-out split every `--eval-every` iterations (pycocotools).
4. The exported ONNX of v1 is evaluated again the way the service does it:
   onnxruntime-node (`src/inference/mask-rcnn.ts`) and the project's COCO
   evaluation (`src/eval/`), through `bench/trainer-onnx-eval.ts`.
5. v2: warm-starts from v1's best checkpoint on all 960 images and trains
   until the held-out mask AP is back above v1's best.

Writes bench/results/trainer.json and bench/results/trainer.md (repo root;
`--results NAME` for another name).

    trainer/.venv/bin/python trainer/bench/train_bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "src"))

from vlm_loop_trainer.testing import SHAPES, make_coco_dataset, merge_coco  # noqa: E402


def run_job(spec: dict, work: Path, name: str) -> list[dict]:
    spec_path = work / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec, indent=2))
    events_path = work / f"{name}.events.jsonl"
    t0 = time.perf_counter()
    with open(events_path, "w") as out, open(work / f"{name}.stderr.log", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "vlm_loop_trainer", "train", "--spec", str(spec_path)], stdout=subprocess.PIPE, stderr=err, text=True)
        events = []
        for line in proc.stdout:
            out.write(line)
            ev = json.loads(line)
            ev["_wall"] = time.perf_counter() - t0
            ev["_load"] = loadavg()
            events.append(ev)
            if ev["type"] in ("evaluation", "start", "done", "error"):
                m = ev.get("metrics", {})
                print(f"[{name} {ev['_wall']:7.1f}s] {ev['type']} it={ev.get('iteration', '')} segmAP={m.get('segmAP', '')} train_s={ev.get('trainingSeconds', '')} load={ev['_load']}", file=sys.stderr, flush=True)
        rc = proc.wait()
    if rc != 0:
        raise SystemExit(f"{name} failed (rc={rc}); see {work / (name + '.stderr.log')}: {events[-1] if events else ''}")
    return events


def first_reaching(evals: list[dict], thr: float) -> dict | None:
    for e in evals:
        if e["metrics"]["segmAP"] >= thr:
            return e
    return None


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# ----------------------------------------------------------------------------
# data


def _write_coco(path: Path, images: list[dict], anns: list[dict], cats: list[dict]) -> None:
    ids = {im["id"] for im in images}
    path.write_text(json.dumps({"images": images, "annotations": [a for a in anns if a["image_id"] in ids], "categories": cats}))


def make_builtin(data: Path, args) -> list[dict]:
    """The built-in TypeScript dataset, split by image index (see the module doc)."""
    synth = data / "synth"
    n = args.train + args.extra + args.test
    cmd = ["node", "bin/vlm-loop.mjs", "dataset", "synth", "--out", str(synth), "--images", str(n), "--seed", str(args.data_seed), "--difficulty", args.difficulty, "--no-progress"]
    subprocess.run(cmd, cwd=REPO, check=True)
    coco = json.loads((synth / "annotations.json").read_text())
    images = sorted(coco["images"], key=lambda im: im["id"])
    for im in images:
        im["path"] = str((synth / "images" / im["file_name"]).resolve())
    cats = coco["categories"]
    a, b = args.train, args.train + args.extra
    _write_coco(data / "v1.json", images[:a], coco["annotations"], cats)
    _write_coco(data / "extra.json", images[a:b], coco["annotations"], cats)
    _write_coco(data / "v2.json", images[:b], coco["annotations"], cats)
    _write_coco(data / "test.json", images[b:], coco["annotations"], cats)
    return [{"id": c["id"], "name": c["name"]} for c in cats]


def make_python(data: Path, args) -> list[dict]:
    make_coco_dataset(data, args.train, seed=1000, name="v1")
    make_coco_dataset(data, args.extra, seed=1000, name="extra", start_index=args.train)
    make_coco_dataset(data, args.test, seed=2000, name="test", start_index=100000)
    merge_coco([data / "v1.json", data / "extra.json"], data / "v2.json")
    return [{"id": i + 1, "name": n} for i, n in enumerate(SHAPES)]


# ----------------------------------------------------------------------------
# throughput probe and ONNX evaluation


def throughput_probe(data: Path, cats: list[dict], iters: int, threads: int | None) -> dict:
    """Times `iters` training iterations of the preset (after 5 warm-up ones)
    in a fresh process, with the load average, to estimate the idle rate."""
    code = f"""
import json, os, time, torch
from vlm_loop_trainer.config import resolve
from vlm_loop_trainer.data import AugmentConfig, BatchSchedule, CocoInstances, TrainBatches
from vlm_loop_trainer.engine import build_optimizer
from vlm_loop_trainer.models import build_model
torch.set_num_threads({threads or (os.cpu_count() or 1)})
cats = {json.dumps(cats)}
cfg = resolve({{"jobId": "probe", "preset": "small", "categories": cats, "data": {{}}, "outputDir": "/tmp"}})
h = cfg.hyper
ds = CocoInstances({json.dumps(str(data / "v1.json"))}, None, cats, cache_images=True)
m = build_model("small", len(cats), int(h["imageSize"])); m.train()
opt = build_optimizer(m, h, torch.device("cpu"))
b = TrainBatches(ds, BatchSchedule(len(ds), int(h["batchSize"]), 0), AugmentConfig.from_spec(h.get("augment")), 0, 0, {iters} + 5)
def step(k):
    _, im, t = b[k]; loss = sum(m(im, t).values()); opt.zero_grad(); loss.backward(); opt.step()
for k in range(5): step(k)
l0 = os.getloadavg(); t0 = time.perf_counter(); c0 = time.process_time()
for k in range(5, {iters} + 5): step(k)
dt = time.perf_counter() - t0
print(json.dumps({{"iterations": {iters}, "secondsPerIteration": dt / {iters}, "cpuSecondsPerIteration": (time.process_time() - c0) / {iters}, "imagesPerSecond": {iters} * int(h["batchSize"]) / dt, "loadavgBefore": [round(x, 2) for x in l0], "loadavgAfter": [round(x, 2) for x in os.getloadavg()]}}))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=HERE.parent / "src")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}


def onnx_eval(onnx: str, metadata: str, coco: Path) -> dict:
    cmd = ["node", "--import", "tsx", "bench/trainer-onnx-eval.ts", "--onnx", onnx, "--metadata", metadata, "--coco", str(coco)]
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "command": " ".join(cmd),
        "segmAP": round(r["segm"]["AP"], 4),
        "segmAP50": round(r["segm"]["AP50"], 4),
        "bboxAP": round(r["bbox"]["AP"], 4),
        "detections": r["detections"],
        "predictSeconds": round(r["predictSeconds"], 1),
    }


# ----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/vlm-loop-trainer-bench")
    ap.add_argument("--dataset", choices=["builtin", "python"], default="builtin")
    ap.add_argument("--difficulty", default="medium", help="built-in dataset difficulty preset")
    ap.add_argument("--data-seed", type=int, default=11)
    ap.add_argument("--train", type=int, default=800)
    ap.add_argument("--extra", type=int, default=160, help="new labels for v2 (20%% of --train)")
    ap.add_argument("--test", type=int, default=100)
    # sized to 10 idle minutes: an iteration costs 0.58 s at first and ~0.75 s
    # once the RPN finds objects and the mask head gets its full share of
    # positives (2 threads), so a short probe overestimates what fits
    ap.add_argument("--iterations", type=int, default=800, help="v1 iterations: the cosine schedule's length")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--warm-iterations", type=int, default=400)
    ap.add_argument("--warm-eval-every", type=int, default=50)
    ap.add_argument("--warm-lr", type=float, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--probe-iterations", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-warm", action="store_true")
    ap.add_argument("--skip-onnx-eval", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results")
    ap.add_argument("--results", default="trainer", help="bench/results/NAME.json and NAME.md")
    args = ap.parse_args()

    work = Path(args.work)
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    cats = (make_builtin if args.dataset == "builtin" else make_python)(data, args)
    gen_s = time.perf_counter() - t0
    device = {"type": "cpu"}
    if args.threads:
        device["threads"] = args.threads
    hyper: dict = {"maxIterations": args.iterations, "evalEvery": args.eval_every, "earlyStopping": {"patience": None}}
    if args.lr:
        hyper["lr"] = args.lr
    if args.batch:
        hyper["batchSize"] = args.batch
    v1_spec = {
        "jobId": "bench-v1",
        "preset": "small",
        "weights": "none",
        "categories": cats,
        "data": {"train": {"coco": str(data / "v1.json")}, "val": {"coco": str(data / "test.json")}},
        "outputDir": str(work / "v1"),
        "hyper": hyper,
        "seed": args.seed,
        "device": device,
        "checkpointEvery": 500,
        "progressEvery": 50,
        "resume": "never",
    }
    probe = throughput_probe(data, cats, args.probe_iterations, args.threads) if args.probe_iterations else None
    print(f"throughput probe: {probe}", file=sys.stderr, flush=True)
    load_before = loadavg()
    ev1 = run_job(v1_spec, work, "v1")
    evals1 = [e for e in ev1 if e["type"] == "evaluation"]
    done1 = ev1[-1]
    its1 = [e for e in ev1 if e["type"] == "iteration"]
    ips1 = sorted(e["imagesPerSecond"] for e in its1 if e["iteration"] > 50)
    best1 = done1["metrics"]["segmAP"]
    spi = done1["trainingSeconds"] / max(1, done1["iterations"])

    def reach(evals, thr):
        e = first_reaching(evals, thr)
        if not e:
            return None
        return {"iteration": e["iteration"], "trainingSeconds": round(e["trainingSeconds"], 1), "cpuSeconds": round(e.get("cpuSeconds", 0.0), 1), "wallSeconds": round(e["_wall"], 1), "segmAP": round(e["metrics"]["segmAP"], 4), "loadavg": e["_load"]}

    result = {
        "command": "trainer/.venv/bin/python trainer/bench/train_bench.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor() or platform.machine(), "loadavgBefore": load_before},
        "dataset": {
            "kind": args.dataset,
            "command": f"node bin/vlm-loop.mjs dataset synth --out {data / 'synth'} --images {args.train + args.extra + args.test} --seed {args.data_seed} --difficulty {args.difficulty}" if args.dataset == "builtin" else "vlm_loop_trainer.testing.make_coco_dataset",
            "difficulty": args.difficulty if args.dataset == "builtin" else None,
            "train": args.train, "extra": args.extra, "test": args.test, "imageSize": 160, "classes": len(cats), "generationSeconds": round(gen_s, 1),
        },
        "throughputProbe": probe,
        "fromScratch": {
            "iterations": done1["iterations"],
            "batchSize": next(e for e in ev1 if e["type"] == "start")["batchSize"],
            "imagesPerSecondMedian": round(ips1[len(ips1) // 2], 2) if ips1 else None,
            "secondsPerIteration": round(spi, 3),
            "trainingSeconds": round(done1["trainingSeconds"], 1),
            "cpuSeconds": round(done1.get("cpuSeconds", 0.0), 1),
            "wallSeconds": round(ev1[-1]["_wall"], 1),
            "bestMetrics": {k: round(v, 4) for k, v in done1["metrics"].items()},
            "bestIteration": done1["bestIteration"],
            "toAP060": reach(evals1, 0.60),
            "toAP075": reach(evals1, 0.75),
            "evaluations": [{"iteration": e["iteration"], "segmAP": round(e["metrics"]["segmAP"], 4), "segmAP50": round(e["metrics"]["segmAP50"], 4), "bboxAP": round(e["metrics"]["bboxAP"], 4), "trainingSeconds": round(e["trainingSeconds"], 1), "cpuSeconds": round(e.get("cpuSeconds", 0.0), 1), "wallSeconds": round(e["_wall"], 1), "loadavg": e["_load"]} for e in evals1],
            "exportCheck": next((e["check"] for e in ev1 if e["type"] == "export"), None),
        },
        "loadavgAfterV1": loadavg(),
    }
    if not args.skip_onnx_eval and done1["paths"].get("onnx"):
        result["fromScratch"]["onnxEval"] = onnx_eval(done1["paths"]["onnx"], done1["paths"]["metadata"], data / "test.json")
    print(json.dumps(result["fromScratch"], indent=1), file=sys.stderr)

    if not args.skip_warm:
        # v2: warm start from v1's best checkpoint on +20% labels; stop as soon
        # as the held-out AP is back above v1's best
        v2_hyper = {
            "maxIterations": args.warm_iterations,
            "evalEvery": args.warm_eval_every,
            "earlyStopping": {"patience": None, "targetSegmAP": best1},
        }
        if args.batch:
            v2_hyper["batchSize"] = args.batch
        if args.warm_lr:  # default: the preset's warm-start lr / warm-up
            v2_hyper["lr"] = args.warm_lr
        v2_spec = dict(v1_spec, jobId="bench-v2", weights={"checkpoint": done1["paths"]["bestCheckpoint"]}, outputDir=str(work / "v2"), hyper=v2_hyper)
        v2_spec["data"] = {"train": {"coco": str(data / "v2.json")}, "val": {"coco": str(data / "test.json")}}
        ev2 = run_job(v2_spec, work, "v2")
        evals2 = [e for e in ev2 if e["type"] == "evaluation"]
        done2 = ev2[-1]
        hit = first_reaching(evals2, best1)
        scratch_ref = first_reaching(evals1, best1)  # from scratch to the same AP
        result["warmStart"] = {
            "targetSegmAP": round(best1, 4),
            "reached": hit is not None,
            "iterations": hit["iteration"] if hit else done2["iterations"],
            "trainingSeconds": round(hit["trainingSeconds"], 1) if hit else round(done2["trainingSeconds"], 1),
            "wallSecondsToTarget": round(hit["_wall"], 1) if hit else None,
            "wallSecondsTotal": round(ev2[-1]["_wall"], 1),
            "stopReason": done2.get("stopReason"),
            "metrics": {k: round(v, 4) for k, v in done2["metrics"].items()},
            "evaluations": [{"iteration": e["iteration"], "segmAP": round(e["metrics"]["segmAP"], 4), "trainingSeconds": round(e["trainingSeconds"], 1)} for e in evals2],
            "fromScratchTrainingSecondsToSameAP": round(scratch_ref["trainingSeconds"], 1) if scratch_ref else None,
        }
        if hit and scratch_ref:
            ws = result["warmStart"]
            ws["ratioToFromScratch"] = round(hit["trainingSeconds"] / scratch_ref["trainingSeconds"], 3)
            # contention-independent views: process CPU time and iterations
            ws["cpuSecondsToTarget"] = round(hit.get("cpuSeconds", 0.0), 1)
            ws["fromScratchCpuSecondsToSameAP"] = round(scratch_ref.get("cpuSeconds", 0.0), 1)
            if scratch_ref.get("cpuSeconds"):
                ws["ratioCpuSeconds"] = round(hit["cpuSeconds"] / scratch_ref["cpuSeconds"], 3)
            ws["fromScratchIterationsToSameAP"] = scratch_ref["iteration"]
            ws["ratioIterations"] = round(hit["iteration"] / scratch_ref["iteration"], 3)
        print(json.dumps(result["warmStart"], indent=1), file=sys.stderr)
    result["loadavgAfter"] = loadavg()
    result["totalBenchSeconds"] = round(time.perf_counter() - t0, 1)

    if not args.no_write:
        out = REPO / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{args.results}.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / f"{args.results}.md").write_text(render_md(result))
    print(json.dumps(result, indent=2))
    return 0


def render_md(r: dict) -> str:
    fs = r["fromScratch"]

    def fmt(x):
        if x is None:
            return "not reached"
        return f"{x['trainingSeconds']} s training ({x['wallSeconds']} s wall incl. evals; load {x.get('loadavg')}), iteration {x['iteration']}, AP {x['segmAP']}"

    ds = r["dataset"]
    probe = r.get("throughputProbe")
    lines = [
        "# Trainer benchmark (`small` preset, CPU)",
        "",
        f"Command (repo root): `{r['command']}`",
        "",
        f"Machine: {r['machine']['cpus']} CPUs, {r['machine']['platform']}; load average before {r['machine']['loadavgBefore']}, after {r.get('loadavgAfter')} (other engineers share these cores: training seconds are upper bounds; the load at each evaluation is in the table).",
        "",
        f"Data: `{ds['command']}` ({ds['classes']} classes, {ds['imageSize']} px): {ds['train']} train / {ds['test']} held-out test images (never trained on); +{ds['extra']} images for the warm-started retrain.",
        "",
    ]
    if probe:
        lines += [
            f"Throughput probe ({probe['iterations']} training iterations of the preset just before v1, load average {probe['loadavgBefore']} -> {probe['loadavgAfter']}): {probe['secondsPerIteration']} s/iteration, **{probe['imagesPerSecond']} images/s**, {probe['cpuSecondsPerIteration']} CPU s/iteration.",
            "",
        ]
    lines += [
        "## From scratch (v1)",
        "",
        f"- iterations: {fs['iterations']} at batch {fs['batchSize']}; {fs['secondsPerIteration']} s/iter over the whole run; median {fs['imagesPerSecondMedian']} images/s",
        f"- training time: {fs['trainingSeconds']} s ({fs['wallSeconds']} s wall with evaluations, export and ONNX check); process CPU time {fs.get('cpuSeconds')} s ({round(fs.get('cpuSeconds', 0) / max(1, fs['iterations']), 3)} CPU s/iter)",
        f"- best held-out metrics (pycocotools, in the trainer): {fs['bestMetrics']} (iteration {fs['bestIteration']})",
        f"- time to mask AP 0.60: {fmt(fs['toAP060'])}",
        f"- time to mask AP 0.75: {fmt(fs['toAP075'])}",
    ]
    oe = fs.get("onnxEval")
    if oe:
        lines.append(f"- exported ONNX (the best checkpoint) through onnxruntime-node + the project's COCO evaluation (`{oe['command']}`): mask AP **{oe['segmAP']}** (AP50 {oe['segmAP50']}), box AP {oe['bboxAP']}, {oe['detections']} detections (score >= 0.05, as the service keeps), {oe['predictSeconds']} s to predict {ds['test']} images")
    lines += [
        "",
        "| iteration | segm AP | segm AP50 | bbox AP | training s | CPU s | wall s | load average |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for e in fs["evaluations"]:
        lines.append(f"| {e['iteration']} | {e['segmAP']} | {e['segmAP50']} | {e['bboxAP']} | {e['trainingSeconds']} | {e.get('cpuSeconds', '')} | {e['wallSeconds']} | {e.get('loadavg', '')} |")
    if fs.get("exportCheck"):
        c = fs["exportCheck"]
        lines += ["", f"ONNX check (onnxruntime vs PyTorch, {c['images']} images + blank images): max box diff {c['maxBoxDiff']}, max score diff {c['maxScoreDiff']}, labels identical {c['labelsIdentical']}, mask pixels different {c['maskPixelsDifferent']}, empty image {c['emptyImage']}."]
    ws = r.get("warmStart")
    if ws:
        lines += [
            "",
            "## Warm-started retrain (v2, +20% labels)",
            "",
            f"- target: v1's best held-out mask AP {ws['targetSegmAP']}; reached: {ws['reached']} at iteration {ws['iterations']}",
            f"- training time to target: {ws['trainingSeconds']} s (wall {ws['wallSecondsToTarget']} s incl. start-up and evaluations)",
            f"- from scratch to the same AP: {ws['fromScratchTrainingSecondsToSameAP']} s training; ratio {ws.get('ratioToFromScratch')} (wall-clock training time)",
            f"- contention-independent: CPU seconds {ws.get('cpuSecondsToTarget')} vs {ws.get('fromScratchCpuSecondsToSameAP')} from scratch (ratio {ws.get('ratioCpuSeconds')}); iterations {ws['iterations']} vs {ws.get('fromScratchIterationsToSameAP')} (ratio {ws.get('ratioIterations')})",
            f"- v2 metrics: {ws['metrics']}",
            "",
            "| iteration | segm AP | training s |",
            "| ---: | ---: | ---: |",
        ]
        for e in ws["evaluations"]:
            lines.append(f"| {e['iteration']} | {e['segmAP']} | {e['trainingSeconds']} |")
    if r.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in r["notes"]]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
