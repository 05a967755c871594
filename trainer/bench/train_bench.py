"""Benchmark of the `small` preset on these CPUs (not part of the tests).

1. Generates a synthetic dataset (6 shape classes, 1-6 objects per image with
   occlusion, textured noisy backgrounds, some small objects; 160 px):
   `train` (800 + 160 images) and a held-out `test` split (100 images).
2. v1: trains `small` from scratch on the first 800 images through the real
   CLI (`python -m vlm_loop_trainer train --spec ...`), evaluating mask AP on
   the held-out split every `--eval-every` iterations (pycocotools).
3. v2: 20% more labels arrive (160 images): warm-starts from v1's best
   checkpoint on all 960 images and trains until the held-out mask AP is
   back above v1's best (evaluated every `--warm-eval-every` iterations).

Writes bench/results/trainer.json and bench/results/trainer.md (repo root).

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
            events.append(ev)
            if ev["type"] in ("evaluation", "start", "done", "error"):
                m = ev.get("metrics", {})
                print(f"[{name} {ev['_wall']:7.1f}s] {ev['type']} it={ev.get('iteration', '')} segmAP={m.get('segmAP', '')} train_s={ev.get('trainingSeconds', '')}", file=sys.stderr, flush=True)
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/vlm-loop-trainer-bench")
    ap.add_argument("--train", type=int, default=800)
    ap.add_argument("--extra", type=int, default=160, help="new labels for v2 (20%% of --train)")
    ap.add_argument("--test", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=1200)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--warm-iterations", type=int, default=300)
    ap.add_argument("--warm-eval-every", type=int, default=50)
    ap.add_argument("--warm-lr", type=float, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-warm", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results")
    args = ap.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    data = work / "data"
    if not (data / "test.json").exists():
        make_coco_dataset(data, args.train, seed=1000, name="v1")
        make_coco_dataset(data, args.extra, seed=1000, name="extra", start_index=args.train)
        make_coco_dataset(data, args.test, seed=2000, name="test", start_index=100000)
        merge_coco([data / "v1.json", data / "extra.json"], data / "v2.json")
    gen_s = time.perf_counter() - t0
    cats = [{"id": i + 1, "name": n} for i, n in enumerate(SHAPES)]
    device = {"type": "cpu"}
    if args.threads:
        device["threads"] = args.threads
    hyper = {"maxIterations": args.iterations, "evalEvery": args.eval_every, "earlyStopping": {"patience": None}}
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
    load_before = loadavg()
    ev1 = run_job(v1_spec, work, "v1")
    evals1 = [e for e in ev1 if e["type"] == "evaluation"]
    done1 = ev1[-1]
    its1 = [e for e in ev1 if e["type"] == "iteration"]
    ips1 = sorted(e["imagesPerSecond"] for e in its1 if e["iteration"] > 50)
    best1 = done1["metrics"]["segmAP"]

    def reach(evals, thr):
        e = first_reaching(evals, thr)
        if not e:
            return None
        return {"iteration": e["iteration"], "trainingSeconds": round(e["trainingSeconds"], 1), "cpuSeconds": round(e.get("cpuSeconds", 0.0), 1), "wallSeconds": round(e["_wall"], 1), "segmAP": round(e["metrics"]["segmAP"], 4)}

    result = {
        "command": "trainer/.venv/bin/python trainer/bench/train_bench.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor() or platform.machine(), "loadavgBefore": load_before},
        "dataset": {"train": args.train, "extra": args.extra, "test": args.test, "imageSize": 160, "classes": len(SHAPES), "generationSeconds": round(gen_s, 1)},
        "fromScratch": {
            "iterations": done1["iterations"],
            "batchSize": next(e for e in ev1 if e["type"] == "start")["batchSize"],
            "imagesPerSecondMedian": round(ips1[len(ips1) // 2], 2) if ips1 else None,
            "secondsPerIteration": round(done1["trainingSeconds"] / max(1, done1["iterations"]), 3),
            "trainingSeconds": round(done1["trainingSeconds"], 1),
            "cpuSeconds": round(done1.get("cpuSeconds", 0.0), 1),
            "wallSeconds": round(ev1[-1]["_wall"], 1),
            "bestMetrics": {k: round(v, 4) for k, v in done1["metrics"].items()},
            "bestIteration": done1["bestIteration"],
            "toAP060": reach(evals1, 0.60),
            "toAP075": reach(evals1, 0.75),
            "evaluations": [{"iteration": e["iteration"], "segmAP": round(e["metrics"]["segmAP"], 4), "segmAP50": round(e["metrics"]["segmAP50"], 4), "bboxAP": round(e["metrics"]["bboxAP"], 4), "trainingSeconds": round(e["trainingSeconds"], 1), "cpuSeconds": round(e.get("cpuSeconds", 0.0), 1), "wallSeconds": round(e["_wall"], 1)} for e in evals1],
            "exportCheck": next((e["check"] for e in ev1 if e["type"] == "export"), None),
        },
        "loadavgAfterV1": loadavg(),
    }
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
        (out / "trainer.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / "trainer.md").write_text(render_md(result))
    print(json.dumps(result, indent=2))
    return 0


def render_md(r: dict) -> str:
    fs = r["fromScratch"]

    def fmt(x):
        return "not reached" if x is None else f"{x['trainingSeconds']} s training ({x['wallSeconds']} s wall incl. evals), iteration {x['iteration']}, AP {x['segmAP']}"

    lines = [
        "# Trainer benchmark (`small` preset, CPU)",
        "",
        f"Command (repo root): `{r['command']}`",
        "",
        f"Machine: {r['machine']['cpus']} CPUs, {r['machine']['platform']}; load average before {r['machine']['loadavgBefore']}, after {r.get('loadavgAfter')} (other engineers share these cores, so times are upper bounds).",
        "",
        f"Data: synthetic shapes ({r['dataset']['classes']} classes, 160 px), {r['dataset']['train']} train / {r['dataset']['test']} held-out test images; +{r['dataset']['extra']} images for the warm-started retrain.",
        "",
        "## From scratch (v1)",
        "",
        f"- iterations: {fs['iterations']} at batch {fs['batchSize']}; {fs['secondsPerIteration']} s/iter; median {fs['imagesPerSecondMedian']} images/s",
        f"- training time: {fs['trainingSeconds']} s ({fs['wallSeconds']} s wall with evaluations, export and ONNX check); process CPU time {fs.get('cpuSeconds')} s ({round(fs.get('cpuSeconds', 0) / max(1, fs['iterations']), 3)} CPU s/iter)",
        f"- best held-out metrics: {fs['bestMetrics']} (iteration {fs['bestIteration']})",
        f"- time to mask AP 0.60: {fmt(fs['toAP060'])}",
        f"- time to mask AP 0.75: {fmt(fs['toAP075'])}",
        "",
        "| iteration | segm AP | segm AP50 | bbox AP | training s | CPU s | wall s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in fs["evaluations"]:
        lines.append(f"| {e['iteration']} | {e['segmAP']} | {e['segmAP50']} | {e['bboxAP']} | {e['trainingSeconds']} | {e.get('cpuSeconds', '')} | {e['wallSeconds']} |")
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
