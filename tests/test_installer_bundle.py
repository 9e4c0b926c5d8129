"""`school-office --smoke-test` from source and on the frozen one-folder bundle (issue 7).

The smoke test starts the whole app on a temporary home with the demo school, opens every tab,
prints the terms and a sample letter in Estonian and Slovenian through the real services, and
exits 0. The slow test builds the PyInstaller bundle with installer/school-office.spec (as
installer/build.py does for a release) and runs the smoke test on it, so a resource or hidden
import missing from the spec fails CI here, on Linux, long before a school runs the installer.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
TABS = ("today", "roster", "cards", "consent")  # the demo school is Estonian: no Billing tab
# Every letter beyond ASCII that Estonian and Slovenian letters print.
LETTERS = "õäöüšžčćÕÄÖÜŠŽČĆ"


def _env(tmp_path: Path) -> dict[str, str]:
    """Offscreen Qt; the smoke test's temporary home goes under tmp_path (TMPDIR)."""
    env = {k: v for k, v in os.environ.items() if k != "SCHOOL_OFFICE_HOME"}
    env.update(QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path), TEMP=str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run(command: list[str], tmp_path: Path, timeout: float = 180):
    return subprocess.run(
        command,
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def _pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def _assert_passed(report_path: Path, result) -> dict:
    assert report_path.is_file(), result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert result.returncode == 0 and report["ok"], f"{report['reason']}\n{result.stderr}"
    steps = [step["name"] for step in report["steps"]]
    assert steps[0] == "start" and steps[-1] == "close"
    assert [f"tab {tab}" for tab in TABS] == [s for s in steps if s.startswith("tab ")]
    assert {"bundle", "terms", "letter et", "letter sl"} <= set(steps)
    roster = next(s for s in report["steps"] if s["name"] == "tab roster")
    assert "roster_table 840" in roster["detail"]  # the demo school's students were loaded
    # Passing runs leave nothing behind: the temporary home is gone.
    assert not Path(report["home"]).exists()
    return report


def _assert_letters(report_path: Path) -> None:
    """The PDFs the app wrote keep every Estonian and Slovenian letter (pypdf reads them)."""
    stem = report_path.with_suffix("")
    et = _pdf_text(Path(f"{stem}-letter-et.pdf"))
    sl = _pdf_text(Path(f"{stem}-letter-sl.pdf"))
    assert "School Office'i proovikiri" in et and "Lugupidamisega" in et
    assert "Vzorčno pismo programa School Office" in sl and "Lep pozdrav" in sl
    for text in (et, sl):
        assert not [c for c in LETTERS if c not in text]
    assert "Harno Moodle kasutustingimused" in _pdf_text(Path(f"{stem}-terms-et.pdf"))


def test_smoke_test_from_source(tmp_path):
    report_path = tmp_path / "out" / "smoke.json"
    result = _run(
        [sys.executable, "-m", "desktop", "--smoke-test", "--smoke-report", str(report_path)],
        tmp_path,
    )
    report = _assert_passed(report_path, result)
    assert "smoke test passed" in result.stdout
    assert not report["frozen"]
    assert "smoke test passed" in report_path.with_suffix(".log").read_text(encoding="utf-8")
    _assert_letters(report_path)


def test_smoke_test_without_a_console(tmp_path):
    """A windowed Windows app has sys.stdout = sys.stderr = None: nothing may write to them,
    and the report says how it went."""
    report_path = tmp_path / "smoke.json"
    script = (
        "import sys; sys.stdout = sys.stderr = None; "
        "sys.path.insert(0, 'installer'); import launcher; "
        f"sys.argv = ['school-office', '--smoke-test', '--smoke-report', {str(report_path)!r}]; "
        "sys.exit(launcher.run())"
    )
    result = _run([sys.executable, "-c", script], tmp_path)
    _assert_passed(report_path, result)
    assert "Traceback" not in result.stderr


def test_smoke_failure_is_reported_with_the_reason(tmp_path):
    report_path = tmp_path / "smoke.json"
    script = (
        "import logging, sys; logging.basicConfig()\n"
        "from desktop.app import StartupAborted\n"
        "from desktop.ui.smoke import SmokeTest\n"
        "def start(): raise StartupAborted(3)\n"
        f"sys.exit(SmokeTest({str(report_path)!r}).run(start))\n"
    )
    result = _run([sys.executable, "-c", script], tmp_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert result.returncode == 1 and not report["ok"]
    assert report["reason"] == "the app did not start (exit code 3)"
    assert "smoke test FAILED: the app did not start (exit code 3)" in result.stderr
    assert Path(report["home"]).is_dir()  # kept for the log and the database


@pytest.mark.real_clock("under libfaketime, time.sleep and the watchdog's timer end early or never")
def test_watchdog_ends_a_run_that_hangs(tmp_path):
    """A dialog nobody answers (or a deadlock) ends with exit code 124 and where it hung."""
    report_path = tmp_path / "smoke.json"
    script = (
        "import sys, time\n"
        "from desktop.ui.smoke import SmokeTest\n"
        f"sys.exit(SmokeTest({str(report_path)!r}, timeout=1).run(lambda: time.sleep(60)))\n"
    )
    started = time.monotonic()
    result = _run([sys.executable, "-c", script], tmp_path, timeout=60)
    assert result.returncode == 124
    assert time.monotonic() - started < 30
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert "stuck in step 'start'" in report["reason"]


def test_launcher_reports_a_crash_instead_of_a_dialog(tmp_path):
    """An import the bundle lacks must not end in the bootloader's message box."""
    report_path = tmp_path / "smoke.json"
    script = (
        "import sys; sys.path.insert(0, 'installer'); import launcher\n"
        "sys.modules['desktop.cli'] = None  # as if PyInstaller had left it out\n"
        f"sys.argv = ['school-office', '--smoke-test', '--smoke-report', {str(report_path)!r}]\n"
        "sys.exit(launcher.run())\n"
    )
    result = _run([sys.executable, "-c", script], tmp_path)
    assert result.returncode == 70
    assert "ModuleNotFoundError" in result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert not report["ok"] and "ModuleNotFoundError" in report["reason"]
    assert "ModuleNotFoundError" in (tmp_path / "school-office-crash.log").read_text("utf-8")


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.0rc1", (1, 2, 0, 0)),
        ("2.0", (2, 0, 0, 0)),
        ("1.2.dev3", (1, 2, 0, 0)),  # never 1.2.3.0 (issue 17)
        ("1.2.3.post4", (1, 2, 3, 0)),
        ("1.2.3+local.7", (1, 2, 3, 0)),
        ("1.2.3.4", (1, 2, 3, 4)),
    ],
)
def test_windows_version_resource_comes_from_the_package_version(version, numbers):
    spec = importlib.util.spec_from_file_location("release_build", ROOT / "installer" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    from desktop import __version__

    assert build.app_version() == __version__
    assert build.numeric_version(version) == numbers
    text = build.version_info_text(version)
    assert f"filevers={numbers}" in text and f"StringStruct('ProductVersion', {version!r})" in text
    assert build.file_version(version) == ".".join(map(str, numbers))  # ISCC's FileVersion


@pytest.mark.parametrize("version", ["1.2.3.4.5", "not a version", "70000.0"])
def test_a_version_windows_cannot_hold_is_refused(version):
    spec = importlib.util.spec_from_file_location("release_build", ROOT / "installer" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    with pytest.raises(SystemExit):
        build.numeric_version(version)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # PyInstaller builds the whole app first
def test_frozen_bundle_passes_its_smoke_test(tmp_path):
    """installer/build.py (no installer on Linux) → the one-folder app → its --smoke-test."""
    out = tmp_path / "build"
    started = time.monotonic()
    result = _run(
        [sys.executable, "installer/build.py", "--out", str(out), "--no-installer", "--smoke"],
        tmp_path,
        timeout=900,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    app = out / "dist" / "school-office"
    internal = app / "_internal"
    report_path = out / "smoke" / "report.json"
    report = _assert_passed(report_path, result)
    assert report["frozen"]
    _assert_letters(report_path)
    # What the spec must put in, and what it must keep out.
    for needed in (
        "resources/fonts/DejaVuSans.ttf",
        "resources/icons/app.png",
        "resources/terms/EE-MOODLE-TERMS/1.0.et.md",
        "desktop/i18n/locale/et/LC_MESSAGES/school_office.mo",
        "desktop/i18n/locale/sl/LC_MESSAGES/school_office.mo",
        "desktop/db/migrations/env.py",
        "desktop/db/migrations/script.py.mako",
        "desktop/db/migrations/versions/0001_foundation.py",
        "babel/locale-data/sl_SI.dat",
    ):
        assert (internal / needed).is_file(), needed
    assert not list(internal.glob("desktop/i18n/locale/*/LC_MESSAGES/*.po"))
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    assert not list(internal.rglob("*Qt6Quick*")) and not list(internal.rglob("*Qt6Qml*"))
    assert len(list(internal.glob("babel/locale-data/*.dat"))) < 20
    # The console twin for IT: the same program, runs commands and prints (backups, upgrades).
    cli = app / ("school-office-cli.exe" if sys.platform == "win32" else "school-office-cli")
    home = tmp_path / "cli-home"
    env = {**_env(tmp_path), "SCHOOL_OFFICE_HOME": str(home)}
    for args, expected in (
        (["demo", "--students", "5"], "demo school ready with 5 students"),
        (["db", "backup", str(tmp_path / "backup.sqlite3")], "backed up to"),
    ):
        done = subprocess.run(
            [str(cli), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0 and expected in done.stdout, done.stderr
    size = sum(p.stat().st_size for p in app.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nbundle: {size / 1e6:.0f} MB, build and smoke test {seconds:.0f} s")


def test_app_mutex_is_a_no_op_off_windows():
    """desktop.single_instance: the installer's AppMutex; CreateMutexW only on Windows."""
    from desktop import single_instance

    if sys.platform == "win32":
        assert single_instance.hold_app_mutex()
    else:
        assert single_instance.hold_app_mutex() is False
    assert single_instance.APP_MUTEX.startswith("SchoolOffice-")
