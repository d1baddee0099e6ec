"""The API's processes do not load the OCR library: pytesseract imports pandas and numpy when
they are installed (`make run`'s environment has them, for the dashboard), about 75 MB in
every web worker that never reads a receipt. The worker loads it when it reads one."""

import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[3]
LOADED = """
import sys
import django
django.setup()
from django.urls import resolve
resolve("/api/v1/health")  # every router and its modules imported
print(",".join(m for m in ("pytesseract", "pandas", "numpy") if m in sys.modules))
"""


def test_the_api_starts_without_the_ocr_library():
    # A process of its own (this one's settings inherited): the test run may have loaded it.
    run = subprocess.run(
        [sys.executable, "-c", LOADED], cwd=BACKEND, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""
