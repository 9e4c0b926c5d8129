"""The Windows installer, compiled and run for real on Linux: Inno Setup under wine (issue 17).

installer/school-office.iss is compiled with every Inno Setup compiler found (CI installs an
older and a newer release from the npm registry, see .ci/run), and then, in a throwaway wine
prefix, a per-user School Office goes through what a school's PC sees:

- a silent install: the files, the Start-menu entry, the uninstall entry in HKCU only;
- with the app open, a silent upgrade and a silent uninstall both refuse and change nothing
  (the app's named mutex, AppMutex); with another process holding a file, the upgrade fails
  and the old version still has all its files (they are put back);
- a real upgrade from an older build (0.1.0 → 0.2.0): new files in, the old version's leftovers
  gone, the school's data kept;
- a silent uninstall keeps the data; /REMOVEUSERDATA=yes (what "remove my data" does) deletes
  the app's own data folder and nothing beside it.

Two stand-ins keep this fast, and say so:
- The app folder is a tiny stand-in (school-office.exe, school-office-cli.exe and a few files
  in _internal), not the PyInstaller bundle: the real bundle is built and smoke tested by
  tests/test_installer_bundle.py. Its school-office.exe is itself a small Inno Setup program
  (compiled here) that, started with /STOPFILE=..., holds the app's named mutex exactly as
  desktop/single_instance.py does and runs until that file appears.
- wine has no per-user Program Files ({autopf} fails to expand: FOLDERID_UserProgramFiles), so
  the script is compiled with /DDefaultDir= the folder {autopf} is on Windows,
  {localappdata}\\Programs\\School Office. Everything else is the release script unchanged.

Needs wine with 32-bit support (ISCC is a 32-bit program; Debian: `dpkg --add-architecture
i386`, `apt-get install wine wine32:i386`), Xvfb (Setup's wizard window needs a display even
when silent) and an ISCC.exe: SCHOOL_OFFICE_ISCC lists them (os.pathsep-separated), else the
npm packages .ci/run installs under ~/.cache/school-office/innosetup are used. Without them
the tests skip and say which is missing, unless SCHOOL_OFFICE_REQUIRE_WINE=1 (set by .ci/run
once it has installed them), where they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from desktop.single_instance import APP_MUTEX

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
ISS = ROOT / "installer" / "school-office.iss"
APP_ID = "{6F0D3C2A-8B4E-4F7A-9C1D-2E5B7A9F4C13}"
UNINSTALL_KEY = rf"Software\Microsoft\Windows\CurrentVersion\Uninstall\{APP_ID}_is1"
SILENT = ["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"]
NPM_TOOLS = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "school-office"
TIMEOUT_S = 180

# The stand-in app: holds the app's mutex (unless /MUTEX=no) until /STOPFILE appears.
STAND_IN = f"""
[Setup]
AppName=School Office stand-in
AppVersion=1
CreateAppDir=no
Uninstallable=no
OutputBaseFilename=school-office
[Code]
function CreateMutex(Attributes: Integer; InitialOwner: Boolean; Name: String): THandle;
  external 'CreateMutexW@kernel32.dll stdcall';

function InitializeSetup(): Boolean;
var
  Stop: String;
  I: Integer;
begin
  Stop := ExpandConstant('{{param:STOPFILE|}}');
  if Stop <> '' then
  begin
    if ExpandConstant('{{param:MUTEX|yes}}') = 'yes' then
      CreateMutex(0, False, '{APP_MUTEX}');
    SaveStringToFile(Stop + '.running', 'yes', False);
    for I := 1 to 3000 do
    begin
      if FileExists(Stop) then Break;
      Sleep(100);
    end;
  end;
  Result := False;
end;
"""


def _missing(reason: str):
    if os.environ.get("SCHOOL_OFFICE_REQUIRE_WINE") == "1":
        pytest.fail(f"{reason} (SCHOOL_OFFICE_REQUIRE_WINE=1: .ci/run installed it)")
    pytest.skip(reason)


def _compilers() -> list[Path]:
    listed = os.environ.get("SCHOOL_OFFICE_ISCC", "")
    if listed:
        candidates = [Path(p) for p in listed.split(os.pathsep) if p]
    else:
        candidates = sorted(NPM_TOOLS.glob("innosetup*/node_modules/*/bin/ISCC.exe"))
    return [p for p in candidates if p.is_file()]


def _win(path: Path) -> str:
    """A Linux path as wine sees it (drive Z: is /)."""
    return "Z:" + str(path).replace("/", "\\")


class Wine:
    """A throwaway wine prefix on its own Xvfb display."""

    def __init__(self, prefix: Path, display: str):
        self.env = {
            **os.environ,
            "WINEPREFIX": str(prefix),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono / Gecko installer dialogs
            "DISPLAY": display,
        }
        self.prefix = prefix

    def run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["wine", *map(str, args)],
            env=self.env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT_S,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"wine {args} exited {result.returncode}: {result.stdout}")
        return result

    def start(self, *args: str | Path) -> subprocess.Popen:
        return subprocess.Popen(
            ["wine", *map(str, args)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def user_dir(self, name: str) -> Path:
        """drive_c/users/<the user>/AppData/<name>."""
        found = [p for p in (self.prefix / "drive_c" / "users").glob(f"*/AppData/{name}")]
        found = [p for p in found if p.parts[-3] != "Public"]
        assert len(found) == 1, found
        return found[0]

    def registry_value(self, root: str, key: str, value: str) -> str | None:
        result = self.run("reg", "query", f"{root}\\{key}", "/v", value, check=False)
        if result.returncode != 0:
            return None
        match = re.search(rf"{value}\s+REG_\w+\s+(.*)", result.stdout)
        return match.group(1).strip() if match else None


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    if shutil.which("wine") is None:
        _missing(
            "wine is not installed "
            "(Debian: dpkg --add-architecture i386; apt-get install wine wine32:i386)"
        )
    if shutil.which("Xvfb") is None:
        _missing("Xvfb is not installed (Debian: apt-get install xvfb)")
    if not _compilers():
        _missing(
            "no Inno Setup compiler: set SCHOOL_OFFICE_ISCC or "
            f"npm install --prefix {NPM_TOOLS}/innosetup-6.4.1 innosetup@6.4.1 (as .ci/run does)"
        )
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    prefix = tmp_path_factory.mktemp("wineprefix")
    try:
        display = ":" + xvfb.stdout.readline().strip()
        box = Wine(prefix, display)
        subprocess.run(
            ["wineboot", "-i"], env=box.env, capture_output=True, timeout=TIMEOUT_S, check=False
        )
        box.run("winecfg", "-v", "win10")  # the installer wants Windows 10 (MinVersion=10.0)
        probe = box.run(_compilers()[0], "/?", check=False)
        if "Inno Setup" not in probe.stdout:
            _missing(
                "wine cannot run the 32-bit Inno Setup compiler (Debian: dpkg "
                "--add-architecture i386; apt-get install wine32:i386): " + probe.stdout[-300:]
            )
        yield box
    finally:
        subprocess.run(
            ["wineserver", "-k"],
            env={**os.environ, "WINEPREFIX": str(prefix)},
            capture_output=True,
            timeout=60,
            check=False,
        )
        xvfb.terminate()
        xvfb.wait(timeout=30)
        xvfb.stdout.close()


def _build_module():
    spec = importlib.util.spec_from_file_location("release_build", ROOT / "installer" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def _compile(wine: Wine, iscc: Path, out: Path, version: str, bundle: Path, *defines: str) -> Path:
    result = wine.run(
        iscc,
        "/Q",
        f"/DAppVersion={version}",
        f"/DFileVersion={_build_module().file_version(version)}",
        f"/DBundleDir={_win(bundle)}",
        f"/DOutputDir={_win(out)}",
        *defines,
        _win(ISS),
        check=False,
    )
    setup = out / f"school-office-{version}-setup.exe"
    assert result.returncode == 0 and setup.is_file(), f"{iscc}: {result.stdout}"
    return setup


def _wait_for_log(log: Path, timeout: float = TIMEOUT_S) -> str:
    """Setup's and the uninstaller's log ends with "Log closed." once it is all done (the
    uninstaller's first process may return before its second one has finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.is_file():
            text = log.read_text(encoding="utf-8-sig", errors="replace")
            if "Log closed." in text:
                return text
        time.sleep(0.3)
    raise AssertionError(f"{log} was not closed within {timeout} s")


def test_script_and_app_name_the_same_mutex():
    text = ISS.read_text(encoding="utf-8-sig")
    assert f'#define AppMutex "{APP_MUTEX}"' in text
    assert "AppMutex={#AppMutex}" in text
    assert "ArchitecturesAllowed=x64compatible" in text
    assert "[InstallDelete]" not in text  # the old files go in PrepareToInstall, not before


def test_compiles_with_each_inno_setup(wine, tmp_path):
    """Every compiler found (CI: an older and a newer one), with a pre-release version, which
    needs the four-number FileVersion build.py derives."""
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    for name in ("school-office.exe", "school-office-cli.exe", "_internal/base_library.zip"):
        (bundle / name).write_bytes(b"stand-in")
    for n, iscc in enumerate(_compilers()):
        started = time.monotonic()
        setup = _compile(wine, iscc, tmp_path / f"out{n}", "1.2.0rc1", bundle)
        print(f"\n{iscc.parents[1].name}: compiled in {time.monotonic() - started:.1f} s")
        assert setup.stat().st_size > 500_000


def test_install_upgrade_and_uninstall(wine, tmp_path):
    iscc = _compilers()[-1]
    # The stand-in app, compiled by the same compiler.
    (tmp_path / "stand-in.iss").write_text(STAND_IN, encoding="utf-8")
    wine.run(iscc, "/Q", f"/O{_win(tmp_path)}", _win(tmp_path / "stand-in.iss"))
    stand_in = tmp_path / "school-office.exe"
    # An older and a newer build; the newer one no longer has only-in-0.1.0.txt.
    setups = {}
    for version in ("0.1.0", "0.2.0"):
        bundle = tmp_path / f"bundle-{version}"
        (bundle / "_internal").mkdir(parents=True)
        shutil.copy(stand_in, bundle / "school-office.exe")
        shutil.copy(stand_in, bundle / "school-office-cli.exe")
        (bundle / "_internal" / "version.txt").write_text(version)
        (bundle / "_internal" / f"only-in-{version}.txt").write_text(version)
        setups[version] = _compile(
            wine,
            iscc,
            tmp_path / f"out-{version}",
            version,
            bundle,
            r"/DDefaultDir={localappdata}\Programs\School Office",  # wine has no {autopf}
        )
    local = wine.user_dir("Local")
    app = local / "Programs" / "School Office"
    internal = app / "_internal"
    data = local / "School Office" / "school-office"
    start_menu = wine.user_dir("Roaming") / "Microsoft/Windows/Start Menu/Programs"
    logs = tmp_path / "logs"
    logs.mkdir()
    step = iter(range(100))

    def setup(version: str, *extra: str) -> tuple[int, str]:
        log = logs / f"{next(step):02d}-setup-{version}.log"
        result = wine.run(setups[version], *SILENT, *extra, f"/LOG={_win(log)}", check=False)
        return result.returncode, _wait_for_log(log)

    def uninstall(*extra: str) -> tuple[int, str]:
        log = logs / f"{next(step):02d}-uninstall.log"
        result = wine.run(app / "unins000.exe", *SILENT, *extra, f"/LOG={_win(log)}", check=False)
        return result.returncode, _wait_for_log(log)

    class Running:
        """The stand-in app (or, mutex=False, any other process holding one of its files)."""

        def __init__(self, exe: Path, mutex: bool = True):
            self.stop = tmp_path / f"stop-{next(step)}"
            self.process = wine.start(
                exe,
                "/VERYSILENT",
                f"/STOPFILE={_win(self.stop)}",
                f"/MUTEX={'yes' if mutex else 'no'}",
            )
            running = Path(f"{self.stop}.running")
            deadline = time.monotonic() + 60
            while not running.is_file():
                assert time.monotonic() < deadline and self.process.poll() is None, "did not start"
                time.sleep(0.2)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stop.write_text("stop")
            self.process.wait(timeout=60)

    def installed_version() -> str | None:
        return wine.registry_value("HKCU", UNINSTALL_KEY, "DisplayVersion")

    # 1. A silent per-user install.
    code, log = setup("0.1.0", "/TASKS=desktopicon")
    assert code == 0, log
    for name in ("school-office.exe", "school-office-cli.exe", "unins000.exe", "unins000.dat"):
        assert (app / name).is_file(), name
    assert (internal / "version.txt").read_text() == "0.1.0"
    assert (start_menu / "School Office.lnk").is_file()
    assert installed_version() == "0.1.0"
    assert wine.registry_value("HKLM", UNINSTALL_KEY, "DisplayVersion") is None  # HKCU only
    assert (
        wine.registry_value("HKCU", UNINSTALL_KEY, "InstallLocation")
        .rstrip("\\")
        .endswith(r"\Programs\School Office")
    )
    # The school starts using it: its data exists before any upgrade.
    data.mkdir(parents=True)
    (data / "school-office.sqlite3").write_text("the school's database")
    (data / "settings.json").write_text("{}")

    # 2. With the app open, a silent upgrade and a silent uninstall refuse, touching nothing.
    with Running(app / "school-office.exe"):
        code, log = setup("0.2.0")
        assert code != 0 and "School Office is currently running" in log, log
        code, log = uninstall()
        assert "Uninstall has detected that School Office is currently running" in log, log
        assert (internal / "only-in-0.1.0.txt").is_file() and (app / "unins000.exe").is_file()
        assert installed_version() == "0.1.0"

    # 3. Another process holds one of the app's files (no mutex): the upgrade fails and is
    #    rolled back, and the old version's files are put back, so it still starts.
    with Running(app / "school-office-cli.exe", mutex=False):
        code, log = setup("0.2.0")
    assert code != 0, log
    assert "Put the previous version's files back" in log, log
    assert (internal / "only-in-0.1.0.txt").is_file() and (internal / "version.txt").is_file()
    assert not (app / "_internal.old").exists()

    # 4. The real upgrade, with the app closed: new files, no leftovers, the data kept.
    code, log = setup("0.2.0")
    assert code == 0, log
    assert (internal / "version.txt").read_text() == "0.2.0"
    assert (internal / "only-in-0.2.0.txt").is_file()
    assert not (internal / "only-in-0.1.0.txt").exists()  # the old version's leftovers are gone
    assert not (app / "_internal.old").exists()
    assert installed_version() == "0.2.0"
    assert (data / "school-office.sqlite3").read_text() == "the school's database"

    # 5. A silent uninstall removes the program and keeps the data (checked once its log is
    #    closed, so a delete at the very end would be seen).
    code, log = uninstall()
    assert code == 0, log
    assert not (app / "school-office.exe").exists() and not internal.exists()
    assert not (start_menu / "School Office.lnk").exists()
    assert installed_version() is None
    assert (data / "school-office.sqlite3").read_text() == "the school's database"
    assert (data / "settings.json").is_file()

    # 6. "Remove my data" (/REMOVEUSERDATA=yes when silent): the app's own data folder goes,
    #    anything else in %LOCALAPPDATA%\School Office stays.
    code, log = setup("0.2.0")
    assert code == 0, log
    (local / "School Office" / "not-ours.txt").write_text("someone else's")
    code, log = uninstall("/REMOVEUSERDATA=yes")
    assert code == 0, log
    assert not data.exists()
    assert (local / "School Office" / "not-ours.txt").is_file()
    assert not app.exists() or not any(app.iterdir())
