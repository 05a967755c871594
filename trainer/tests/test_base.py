"""Base models: export, loading with the class heads replaced, refusal of anything that is not the
file its provenance describes, and the shipped base (trainer/base/small-base.pt)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from conftest import CATEGORIES, make_spec, run_trainer
from vlm_loop_trainer.base import FORMAT, architecture, export_base, load_base, provenance_path, read_base, sha256_file
from vlm_loop_trainer.checkpoint import atomic_save
from vlm_loop_trainer.models import _CLASS_ROWS, WeightsUnavailable, build_model

SHIPPED = Path(__file__).resolve().parents[1] / "base" / "small-base.pt"
BUILTIN_CLASSES = {"circle", "triangle", "square", "star", "ring", "cross"}


@pytest.fixture(scope="module")
def base(dataset, tmp_path_factory) -> Path:
    """A tiny 'pretraining' (6 iterations) exported as a base."""
    tmp = tmp_path_factory.mktemp("base")
    spec = make_spec(dataset, tmp / "pre", jobId="pre", hyper={"maxIterations": 6, "evalEvery": 6})
    rc, ev, err = run_trainer(spec, tmp)
    assert rc == 0, err[-3000:]
    prov_in = tmp / "prov-in.json"
    prov_in.write_text(json.dumps({"command": "test", "seed": 7, "classes": CATEGORIES}))
    out = tmp / "tiny-base.pt"
    export_base(ev[-1]["paths"]["bestCheckpoint"], "tiny", str(out), str(prov_in))
    return out


def _copy(base: Path, tmp_path: Path) -> Path:
    dst = tmp_path / base.name
    shutil.copy(base, dst)
    shutil.copy(provenance_path(str(base)), provenance_path(str(dst)))
    return dst


def test_export_writes_fp16_transferable_tensors_and_provenance(base):
    prov = json.loads(Path(provenance_path(str(base))).read_text())
    assert prov["sha256"] == sha256_file(str(base)) and prov["bytes"] == base.stat().st_size
    assert prov["command"] == "test" and prov["preset"] == "tiny" and prov["format"] == FORMAT
    obj = torch.load(base, map_location="cpu", weights_only=True)
    assert not set(_CLASS_ROWS) & set(obj["state_dict"])
    assert all(v.dtype == torch.float16 for v in obj["state_dict"].values() if v.is_floating_point())
    assert prov["architecture"]["fingerprint"] == architecture(build_model("tiny", 5, 96).state_dict())["fingerprint"]


def test_load_base_keeps_the_body_and_replaces_the_class_heads(base):
    model = build_model("tiny", 2, 96)  # other classes than the base's three
    fresh = {k: v.clone() for k, v in model.state_dict().items()}
    info = load_base(model, str(base), "tiny")
    sd = model.state_dict()
    stored = torch.load(base, map_location="cpu", weights_only=True)["state_dict"]
    assert set(info["replaced"]) == set(_CLASS_ROWS)
    for k in _CLASS_ROWS:  # fresh init, sized for 2 classes + background
        assert torch.equal(sd[k], fresh[k])
    assert sd["roi_heads.box_predictor.cls_score.weight"].shape[0] == 3
    k = "backbone.fpn.layer_blocks.0.0.weight"
    assert torch.equal(sd[k], stored[k].float()) and not torch.equal(sd[k], fresh[k])


def test_training_from_base(base, dataset, tmp_path):
    cats = [{"id": 40, "name": "other"}]
    spec = make_spec(dataset, tmp_path / "v", jobId="v", weights={"base": str(base)}, categories=cats, hyper={"maxIterations": 2, "evalEvery": 2})
    rc, ev, err = run_trainer(spec, tmp_path)
    assert rc == 0, err[-3000:]
    assert ev[0]["weights"] == f"base:{base}"


def _refused(path: Path, preset: str = "tiny", match: str = "") -> None:
    model = build_model(preset, 2, 96)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(WeightsUnavailable, match=match):
        load_base(model, str(path), preset)
    # validated in full before loading: nothing of a refused file reached the model
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_truncated_base_is_refused(base, tmp_path):
    p = _copy(base, tmp_path)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    _refused(p, match="sha256")


def test_altered_byte_is_refused(base, tmp_path):
    p = _copy(base, tmp_path)
    data = bytearray(p.read_bytes())
    data[-100] ^= 0xFF
    p.write_bytes(bytes(data))
    _refused(p, match="sha256")


def test_missing_provenance_is_refused(base, tmp_path):
    p = tmp_path / "lonely.pt"
    shutil.copy(base, p)
    _refused(p, match="provenance")


def test_base_of_another_preset_is_refused(base):
    _refused(base, preset="small", match="preset")


def test_another_architecture_with_a_matching_hash_is_refused(base, tmp_path):
    """A file whose hash matches its provenance but whose tensors do not fit the preset."""
    obj = torch.load(base, map_location="cpu", weights_only=True)
    obj["state_dict"].pop("backbone.fpn.layer_blocks.0.0.weight")
    p = tmp_path / "tiny-base.pt"
    atomic_save(obj, str(p))
    prov = json.loads(Path(provenance_path(str(base))).read_text())
    prov["sha256"] = sha256_file(str(p))
    Path(provenance_path(str(p))).write_text(json.dumps(prov))
    _refused(p, match="another architecture")


def test_trainer_refuses_a_corrupt_base_with_an_error_event(base, dataset, tmp_path):
    p = _copy(base, tmp_path)
    p.write_bytes(p.read_bytes()[:1000])
    spec = make_spec(dataset, tmp_path / "v", jobId="v", weights={"base": str(p)}, hyper={"maxIterations": 2, "evalEvery": 2})
    rc, ev, _ = run_trainer(spec, tmp_path)
    assert rc != 0 and ev[-1]["type"] == "error" and ev[-1]["code"] == "weights_unavailable"
    assert "sha256" in ev[-1]["message"]


def test_shipped_base_is_what_its_provenance_says():
    prov = json.loads(Path(provenance_path(str(SHIPPED))).read_text())
    assert SHIPPED.stat().st_size <= 20 * 2**20 and prov["bytes"] == SHIPPED.stat().st_size
    assert prov["sha256"] == sha256_file(str(SHIPPED))
    assert prov["preset"] == "small" and prov["architecture"]["dtype"] == "float16"
    own = build_model("small", 6, 160).state_dict()
    assert prov["architecture"]["fingerprint"] == architecture(own)["fingerprint"]
    read_base(str(SHIPPED), "small", own)  # every check the trainer makes
    # disjoint classes: the base never saw a class the built-in dataset measures
    names = {c["name"] for c in prov["classes"]}
    assert names and not names & BUILTIN_CLASSES
    for key in ("command", "seed", "commit", "corpus", "heldOut"):
        assert prov[key], key
    assert prov["heldOut"]["metrics"]["segmAP"] > 0
