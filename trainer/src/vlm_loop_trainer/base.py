"""Base models: a preset pretrained on a corpus of other classes (``vlm-loop pretrain``).

``export-base`` keeps what transfers from a finished pretraining checkpoint (body, FPN, RPN, box and
mask heads) in fp16 and drops the class-specific predictor tensors; the provenance JSON beside it
records how it was made and the file's sha256. ``load_base`` checks all of it (hash, format, preset,
every tensor's name, shape and finiteness) before one tensor reaches the model, so a corrupt,
truncated or mismatched base is refused instead of half loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import torch
from torch import nn

from .checkpoint import atomic_save
from .models import _CLASS_ROWS, WeightsUnavailable, build_model, extract_state_dict

FORMAT = "vlm-loop-base@1"


def provenance_path(weights_path: str) -> str:
    root, ext = os.path.splitext(weights_path)
    return (root if ext == ".pt" else weights_path) + ".json"


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def transferable(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Everything but the class-specific predictor tensors (their rows mean the corpus's classes)."""
    return {k: v for k, v in sd.items() if k not in _CLASS_ROWS}


def architecture(sd: dict[str, torch.Tensor]) -> dict[str, Any]:
    """A fingerprint of the transferable tensors' names and shapes: equal iff the layouts are."""
    keep = transferable(sd)
    layout = "\n".join(f"{k}:{tuple(v.shape)}" for k, v in sorted(keep.items()))
    return {
        "fingerprint": hashlib.sha256(layout.encode()).hexdigest(),
        "tensors": len(keep),
        "parameters": int(sum(v.numel() for v in keep.values() if v.is_floating_point())),
    }


def _preset_layout(preset: str) -> dict[str, torch.Tensor]:
    # the class count does not matter: the class-specific tensors are not part of the layout
    return build_model(preset, 1, 160).state_dict()


def export_base(checkpoint: str, preset: str, out: str, provenance_in: str | None = None) -> dict[str, Any]:
    obj = torch.load(checkpoint, map_location="cpu", weights_only=False)
    sd, _ = extract_state_dict(obj)
    own = architecture(_preset_layout(preset))
    arch = architecture(sd)
    if arch["fingerprint"] != own["fingerprint"]:
        raise ValueError(f"the checkpoint {checkpoint} is not a {preset!r} model")
    # fp16 halves the file; BatchNorm's int64 counters stay as they are
    weights = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in transferable(sd).items()}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    atomic_save({"format": FORMAT, "preset": preset, "architecture": arch["fingerprint"], "state_dict": weights}, out)
    prov = json.load(open(provenance_in)) if provenance_in else {}
    prov.update(
        file=os.path.basename(out),
        format=FORMAT,
        bytes=os.path.getsize(out),
        sha256=sha256_file(out),
        preset=preset,
        architecture={**arch, "preset": preset, "dtype": "float16"},
        replacedHeads=sorted(_CLASS_ROWS),
        torch=torch.__version__,
    )
    tmp = provenance_path(out) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(prov, f, indent=2)
        f.write("\n")
    os.replace(tmp, provenance_path(out))
    return prov


def read_base(path: str, preset: str, own: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict]:
    """The base's tensors, after every check; raises WeightsUnavailable naming what is wrong."""
    if not os.path.exists(path):
        raise WeightsUnavailable(f"base weights not found: {path} (run `vlm-loop pretrain`)")
    prov_file = provenance_path(path)
    try:
        prov = json.load(open(prov_file))
    except (OSError, ValueError) as e:
        raise WeightsUnavailable(f"base weights {path}: no readable provenance {prov_file}: {e}") from e
    digest = sha256_file(path)
    if digest != prov.get("sha256"):
        raise WeightsUnavailable(
            f"base weights {path}: sha256 {digest[:12]}... is not the provenance's {str(prov.get('sha256'))[:12]}... (truncated, corrupt or replaced file)"
        )
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise WeightsUnavailable(f"base weights {path} cannot be read: {e}") from e
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or not isinstance(obj.get("state_dict"), dict):
        raise WeightsUnavailable(f"base weights {path}: not a {FORMAT} file")
    if obj.get("preset") != preset or prov.get("preset") != preset:
        raise WeightsUnavailable(f"base weights {path} are for preset {obj.get('preset')!r}, the job trains {preset!r}")
    sd = obj["state_dict"]
    _check_layout(path, sd, own)
    return sd, prov


def _check_layout(path: str, sd: dict[str, torch.Tensor], own: dict[str, torch.Tensor]) -> None:
    want = transferable(own)
    missing = sorted(set(want) - set(sd))
    extra = sorted(set(sd) - set(want))
    shaped = [k for k in want if k in sd and tuple(sd[k].shape) != tuple(want[k].shape)]
    if missing or extra or shaped:
        raise WeightsUnavailable(
            f"base weights {path}: another architecture ({len(missing)} tensors missing, {len(extra)} unexpected, "
            f"{len(shaped)} shaped differently, e.g. {(missing + extra + shaped)[:3]})"
        )
    bad = [k for k, v in sd.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise WeightsUnavailable(f"base weights {path}: non-finite values in {bad[:3]}")


def load_base(model: nn.Module, path: str, preset: str) -> dict[str, Any]:
    """Loads a base into a freshly built model; the class-specific heads keep their fresh init."""
    own = model.state_dict()
    sd, prov = read_base(path, preset, own)
    cast = {k: v.to(own[k].dtype) for k, v in sd.items()}
    result = model.load_state_dict(cast, strict=False)
    assert not result.unexpected_keys and set(result.missing_keys) == set(_CLASS_ROWS) & set(own), result
    return {"loaded": len(cast), "replaced": sorted(result.missing_keys), "sha256": prov["sha256"]}
