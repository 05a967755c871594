"""Job-spec loading and the JSON-lines progress protocol.

Both are defined once, as JSON Schemas (draft 2020-12) in the repository's
``schema/`` folder; the TypeScript side validates the same files with ajv.
stdout carries protocol events only: ``Emitter.install()`` moves file
descriptor 1 to stderr so that stray prints (pycocotools, warnings, C
libraries) never corrupt the stream.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

import jsonschema

SPEC_SCHEMA = "train-job-spec.schema.json"
PROGRESS_SCHEMA = "train-progress.schema.json"



class SpecError(ValueError):
    pass


def schema_dir() -> Path:
    env = os.environ.get("VLM_LOOP_SCHEMA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "schema" / SPEC_SCHEMA
        if cand.exists():
            return cand.parent
    raise FileNotFoundError("cannot find the schema/ folder (set VLM_LOOP_SCHEMA_DIR)")


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((schema_dir() / name).read_text())


@lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validation_errors(name: str, instance: Any) -> list[str]:
    errs = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errs]


def validate_spec(spec: Any) -> None:
    errs = validation_errors(SPEC_SCHEMA, spec)
    if errs:
        raise SpecError("; ".join(errs[:10]))


def validate_event(event: Any) -> None:
    errs = validation_errors(PROGRESS_SCHEMA, event)
    if errs:
        raise ValueError(f"invalid progress event {event.get('type')!r}: " + "; ".join(errs[:10]))


def load_spec(path: str) -> dict:
    try:
        with open(path) as f:
            spec = json.load(f)
    except OSError as e:
        raise SpecError(f"cannot read spec {path}: {e}") from e
    except json.JSONDecodeError as e:
        raise SpecError(f"spec {path} is not valid JSON: {e}") from e
    validate_spec(spec)
    return spec


def _finite(o: Any) -> Any:
    """JSON has no NaN/Infinity: replace them with None."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


class Emitter:
    """Writes one JSON object per line. Every event is validated against the
    progress schema before it is written (a bug is better caught here than
    in the TypeScript worker)."""

    def __init__(self, stream: TextIO, job_id: str | None, validate: bool = True):
        self.stream = stream
        self.job_id = job_id
        self.validate = validate
        self._lock = threading.Lock()
        self.sent: list[dict] = []
        self.broken = False  # the reader went away (EPIPE)

    @classmethod
    def install(cls, job_id: str | None = None) -> "Emitter":
        """Reserve the real stdout for events; everything else goes to stderr."""
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
        sys.stdout = sys.stderr
        return cls(stream, job_id)

    def emit(self, type_: str, **fields: Any) -> dict:
        ev = {"type": type_, "jobId": self.job_id, "time": _dt.datetime.now(_dt.timezone.utc).isoformat()}
        ev.update(fields)
        ev = _finite(ev)
        if self.validate:
            validate_event(ev)
        line = json.dumps(ev, separators=(",", ":"), allow_nan=False)
        with self._lock:
            if not self.broken:
                try:
                    self.stream.write(line + "\n")
                    self.stream.flush()
                except (BrokenPipeError, OSError) as e:
                    # keep going: the training loop checkpoints and stops
                    self.broken = True
                    sys.stderr.write(f"progress stream closed ({e}); stopping after a checkpoint\n")
        self.sent.append(ev)
        return ev

    def error(self, code: str, message: str, **extra: Any) -> dict:
        return self.emit("error", code=code, message=message[:4000], **extra)
