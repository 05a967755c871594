#!/usr/bin/env bash
# Creates trainer/.venv and installs the trainer (editable) with its test
# extras. Idempotent: a second run with an unchanged pyproject.toml only
# checks the imports. Usage: trainer/setup.sh  (from anywhere)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="${PYTHON:-python3}"
STAMP="$VENV/.vlm-loop-setup-stamp"
WANT="$(sha256sum "$HERE/pyproject.toml" | cut -d' ' -f1)"

log() { echo "[trainer/setup] $*"; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment in $VENV"
  "$PY" -m venv "$VENV"
else
  log "virtual environment exists: $VENV"
fi

check() {
  "$VENV/bin/python" -c "
import vlm_loop_trainer, torch, torchvision, onnx, onnxruntime, pycocotools, jsonschema, pytest
print('[trainer/setup] ready: vlm_loop_trainer', vlm_loop_trainer.__version__, '| torch', torch.__version__, '| torchvision', torchvision.__version__, '| onnxruntime', onnxruntime.__version__, '| cuda', torch.cuda.is_available())
"
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && check 2>/dev/null; then
  log "dependencies up to date (pyproject.toml unchanged)"
  exit 0
fi
log "installing trainer[test] (torch==2.14.1, torchvision==0.29.1, onnx, onnxruntime, pycocotools, jsonschema, numpy, pillow, pytest); the first run takes a few minutes"
(cd "$HERE/.." && "$VENV/bin/pip" install --disable-pip-version-check -e 'trainer[test]')
check || { log "ERROR: imports fail after install"; exit 1; }
echo "$WANT" > "$STAMP"
