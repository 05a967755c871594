"""End-to-end runs of `python -m vlm_loop_trainer train` (tiny preset, CPU)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest
import torch

from conftest import make_spec, parse_events, run_trainer, trainer_cmd


@pytest.fixture(scope="module")
def trained(dataset, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    spec = make_spec(dataset, tmp / "out", hyper={"maxIterations": 30, "evalEvery": 15}, export={"enabled": True, "checkImages": 4}, progressEvery=5)
    rc, events, stderr = run_trainer(spec, tmp)
    return {"rc": rc, "events": events, "stderr": stderr, "spec": spec, "tmp": tmp}


def test_train_end_to_end_and_export(trained, dataset):
    ev, rc = trained["events"], trained["rc"]
    assert rc == 0, trained["stderr"][-3000:]
    types = [e["type"] for e in ev]
    assert types[0] == "start" and types[-1] == "done"
    assert types.count("done") == 1 and "error" not in types
    assert {"iteration", "evaluation", "checkpoint", "export"} <= set(types)
    start = ev[0]
    assert start["threads"] == 1 and start["device"] == "cpu" and start["totalIterations"] == 30 and start["startIteration"] == 0
    assert start["trainImages"] == 17 and start["valImages"] == 4
    its = [e for e in ev if e["type"] == "iteration"]
    assert its[-1]["iteration"] == 30 and set(its[-1]["losses"]) >= {"total", "loss_mask", "loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"}
    assert all(e["imagesPerSecond"] > 0 for e in its)
    evals = [e for e in ev if e["type"] == "evaluation"]
    assert [e["iteration"] for e in evals] == [15, 30]
    assert all(0 <= e["metrics"]["segmAP"] <= 1 for e in evals)

    export = next(e for e in ev if e["type"] == "export")
    check = export["check"]
    assert check["passed"] and check["images"] == 4 and check["labelsIdentical"]
    assert check["maxBoxDiff"] <= 1e-2 and check["emptyImage"]["ran"] and check["emptyImage"]["matches"]
    done = ev[-1]
    for key in ("onnx", "metadata", "bestCheckpoint", "lastCheckpoint"):
        assert os.path.exists(done["paths"][key])
    assert done["iterations"] == 30 and done["trainingSeconds"] > 0 and done["device"] == "cpu"
    assert done["metrics"]["segmAP"] == max(e["metrics"]["segmAP"] for e in evals)

    meta = json.loads(open(done["paths"]["metadata"]).read())
    assert [(c["label"], c["id"], c["name"]) for c in meta["categories"]] == [(1, 3, "circle"), (2, 7, "square"), (3, 11, "triangle")]
    assert meta["preset"] == "tiny" and meta["maskThreshold"] == 0.5 and meta["scoreThreshold"] == 0.5
    assert meta["input"]["range"] == [0.0, 1.0] and meta["input"]["imageSize"] == 96
    assert len(meta["normalisation"]["mean"]) == 3 and meta["metrics"] == done["metrics"]
    assert meta["training"]["iterations"] == 30 and meta["exportCheck"]["passed"]

    # the ONNX file runs on a new image size and returns the roi form: 28x28 masks per detection
    assert meta["maskForm"] == "roi" and "28,28" in meta["outputs"]["masks"]
    import onnxruntime as ort

    sess = ort.InferenceSession(done["paths"]["onnx"], providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["image"]
    out = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"image": np.random.rand(3, 72, 130).astype(np.float32)})))
    assert set(out) == {"boxes", "labels", "scores", "masks"}
    n = out["boxes"].shape[0]
    assert out["masks"].shape == (n, 1, 28, 28) and out["labels"].dtype == np.int64
    assert ((out["masks"] >= 0) & (out["masks"] <= 1)).all()

    # export-check CLI re-runs the comparison
    p = subprocess.run(
        [*trainer_cmd(trained["tmp"] / "x")[:3], "export-check", "--output-dir", trained["spec"]["outputDir"], "--coco", dataset["val"], "--images", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout)["passed"]


def test_warm_start_from_previous_version(trained, dataset, tmp_path):
    best = trained["events"][-1]["paths"]["bestCheckpoint"]
    cats = trained["spec"]["categories"] + [{"id": 20, "name": "star"}]  # a new class appears
    spec = make_spec(dataset, tmp_path / "v2", jobId="v2", weights={"checkpoint": best}, categories=cats, hyper={"maxIterations": 4, "evalEvery": 4})
    rc, ev, stderr = run_trainer(spec, tmp_path)
    assert rc == 0, stderr[-3000:]
    assert ev[0]["weights"] == f"checkpoint:{best}"
    ck = torch.load(ev[-1]["paths"]["bestCheckpoint"], map_location="cpu", weights_only=False)
    assert ck["categories"] == cats and ck["model"]["roi_heads.box_predictor.cls_score.weight"].shape[0] == 5
    # missing checkpoint: a clear error
    spec["weights"] = {"checkpoint": str(tmp_path / "nope.pt")}
    spec["outputDir"] = str(tmp_path / "v3")
    rc, ev, _ = run_trainer(spec, tmp_path, "bad")
    assert rc != 0 and ev[-1]["type"] == "error" and ev[-1]["code"] == "weights_unavailable"


def _losses(events):
    return {e["iteration"]: e["losses"]["total"] for e in events if e["type"] == "iteration"}


def test_resume_after_kill(dataset, tmp_path):
    total = 24
    hyper = {"maxIterations": total, "evalEvery": 12}
    # uninterrupted reference run (also shows that a seed makes CPU runs deterministic)
    ref_spec = make_spec(dataset, tmp_path / "ref", jobId="ref", hyper=hyper, checkpointEvery=5)
    rc, ref, err = run_trainer(ref_spec, tmp_path, "ref")
    assert rc == 0, err[-3000:]

    spec = make_spec(dataset, tmp_path / "job", jobId="killme", hyper=hyper, checkpointEvery=5)
    spec_path = tmp_path / "job.json"
    spec_path.write_text(json.dumps(spec))
    proc = subprocess.Popen(trainer_cmd(spec_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.time() + 240
    for line in proc.stdout:
        lines.append(line)
        ev = json.loads(line)
        if ev["type"] == "iteration" and ev["iteration"] >= 7:
            proc.send_signal(signal.SIGTERM)
            break
        assert time.time() < deadline
    out, err = proc.communicate(timeout=120)
    first = parse_events("".join(lines) + out)
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert first[-1]["type"] == "error" and first[-1]["code"] == "interrupted"
    sig_ck = [e for e in first if e["type"] == "checkpoint" and e["reason"] == "signal"]
    assert len(sig_ck) == 1
    stopped_at = sig_ck[0]["iteration"]
    assert 7 <= stopped_at < total
    assert "done" not in [e["type"] for e in first]

    rc, second, err = run_trainer(spec, tmp_path, "job")
    assert rc == 0, err[-3000:]
    assert second[0]["type"] == "start" and second[0]["startIteration"] == stopped_at
    assert second[0]["resumedFrom"].endswith("last.pt")
    assert second[-1]["type"] == "done" and second[-1]["iterations"] == total
    assert min(e["iteration"] for e in second if e["type"] == "iteration") == stopped_at + 1
    # same losses as the uninterrupted run, before and after the kill
    ref_l, l1, l2 = _losses(ref), _losses(first), _losses(second)
    for it, v in {**l1, **l2}.items():
        assert v == pytest.approx(ref_l[it], rel=1e-5, abs=1e-6), it
    assert second[-1]["metrics"]["segmAP"] == pytest.approx(ref[-1]["metrics"]["segmAP"], abs=1e-6)

    # SIGKILL leaves only the periodic checkpoint: a rerun resumes from it
    spec2 = dict(spec, jobId="killme-hard", outputDir=str(tmp_path / "job2"))
    spec2_path = tmp_path / "job2.json"
    spec2_path.write_text(json.dumps(spec2))
    proc = subprocess.Popen(trainer_cmd(spec2_path), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    periodic = None
    for line in proc.stdout:
        ev = json.loads(line)
        if ev["type"] == "checkpoint" and ev["reason"] == "periodic":
            periodic = ev["iteration"]
        if ev["type"] == "iteration" and periodic is not None and ev["iteration"] > periodic:
            proc.kill()
            break
    proc.wait(timeout=60)
    rc, third, err = run_trainer(spec2, tmp_path, "job2")
    assert rc == 0, err[-3000:]
    assert third[0]["startIteration"] == periodic == 5


def test_non_finite_loss_is_an_error(dataset, tmp_path):
    spec = make_spec(dataset, tmp_path / "out", jobId="boom", hyper={"lr": 1e12, "warmupIterations": 0, "maxIterations": 40, "gradClipNorm": None})
    rc, ev, err = run_trainer(spec, tmp_path)
    assert rc == 3, err[-3000:]
    assert ev[-1]["type"] == "error" and ev[-1]["code"] == "non_finite_loss"
    assert "not finite" in ev[-1]["message"] and ev[-1]["iteration"] >= 0
    assert "done" not in [e["type"] for e in ev]
    assert not os.path.exists(tmp_path / "out" / "model.onnx")


def test_invalid_spec_is_reported(tmp_path):
    bad = {"jobId": "x", "preset": "huge"}
    rc, ev, _ = run_trainer(bad, tmp_path)
    assert rc == 2 and len(ev) == 1 and ev[0]["type"] == "error" and ev[0]["code"] == "invalid_spec"
    (tmp_path / "broken.json").write_text("{not json")
    p = subprocess.run(trainer_cmd(tmp_path / "broken.json"), capture_output=True, text=True, timeout=120)
    evs = parse_events(p.stdout)
    assert p.returncode == 2 and evs[0]["code"] == "invalid_spec" and evs[0]["jobId"] is None


def test_missing_data_is_a_data_error(dataset, tmp_path):
    spec = make_spec(dataset, tmp_path / "out")
    spec["data"]["train"]["coco"] = str(tmp_path / "missing.json")
    rc, ev, _ = run_trainer(spec, tmp_path)
    assert rc == 1 and ev[-1]["code"] == "data_error"
