#!/usr/bin/env bash
# Creates test/python/.venv (gitignored) with the reference libraries the golden tests compare
# against: cvat-sdk (encode_mask/decode_mask), pycocotools (loadRes) and nuclio-sdk (to call the CVAT detector's handler as nuclio does). Idempotent: with an unchanged
# requirements.txt a second run only checks the imports. Test setup runs it (test/helpers/test-python.ts).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
STAMP="$VENV/.requirements-sha256"
WANT="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
check() { "$VENV/bin/python" -c 'import cvat_sdk.masks, pycocotools.coco, numpy, nuclio_sdk' 2>/dev/null; }
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && check; then exit 0; fi
echo "[test/python/setup] installing $(grep -v '^#' "$HERE/requirements.txt" | tr '\n' ' ')" >&2
"$VENV/bin/pip" install --disable-pip-version-check -q -r "$HERE/requirements.txt" >&2
check
echo "$WANT" > "$STAMP"
