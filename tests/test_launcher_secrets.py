"""A crash never writes a database password to the crash log or the report (issue: secrets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))

from launcher import mask_secrets  # noqa: E402 (installer/ is not a package)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://office:hunter2@server/db", "postgresql://office:***@server/db"),
        (
            "'--database', 'postgresql+psycopg://a:p%40ss@h:5432/d'",
            "'--database', 'postgresql+psycopg://a:***@h:5432/d'",
        ),
        ("postgresql://office@server/db", "postgresql://office@server/db"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_mask_secrets(text, masked):
    assert mask_secrets(text) == masked


def test_the_crash_log_keeps_no_password(tmp_path):
    script = (
        "import sys; sys.path.insert(0, 'installer'); import launcher\n"
        "sys.modules['desktop.cli'] = None  # a crash before anything could mask it\n"
        "sys.argv = ['school-office', '--database', 'postgresql://office:hunter2@server/db']\n"
        "sys.exit(launcher.run())\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path), "TEMP": str(tmp_path), "TMP": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 70
    log = (tmp_path / "school-office-crash.log").read_text("utf-8")
    assert "office:***@server" in log and "hunter2" not in log + result.stderr
