"""Where the public samples are (``../shared/samples/``, read in place, never copied): beside this checkout, or —
in a clone made for a check (``git clone . /tmp/check``) — beside the checkout it was cloned from.
``SAMPLES_DIR`` overrides both. Conformance tests skip with the path they looked at when none exists."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _origin_checkout() -> Path | None:
    try:
        url = subprocess.run(["git", "config", "--get", "remote.origin.url"], cwd=ROOT, capture_output=True,
                             text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://"))
    return path.resolve() if url and path.is_absolute() else None


def samples_root() -> Path:
    if os.environ.get("SAMPLES_DIR"):
        return Path(os.environ["SAMPLES_DIR"])
    candidates = [ROOT.parent / "shared" / "samples"]
    origin = _origin_checkout()
    if origin is not None:
        candidates.append(origin.parent / "shared" / "samples")
    return next((path for path in candidates if path.is_dir()), candidates[0])


SAMPLES = samples_root()
