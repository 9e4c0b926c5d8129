"""The frozen app's entry point: PyInstaller runs this file as __main__ (school-office.spec).

It is the `school-office` command (desktop.cli:main) plus one guard. An error that escapes
main(), such as a module the bundle lacks, would otherwise end in the bootloader's "Unhandled
exception" box, which nobody clicks away on an unattended PC or in CI. Instead the traceback
goes to stderr (when there is a console), to school-office-crash.log in the temp folder, and
to the --smoke-report file when one was asked for; the exit code is 70.
"""

from __future__ import annotations

import re
import sys

EXIT_CRASH = 70
# user:password@ in a database address (--database postgresql://office:secret@server/db)
_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s'\"]*):[^@\s'\"]*@", re.I)


def mask_secrets(text: str) -> str:
    """What goes to the crash log and the report: never a password from an address."""
    return _CREDENTIALS.sub(r"\g<scheme>:***@", text)


def _report_crash() -> None:
    import json
    import tempfile
    import traceback
    from datetime import datetime
    from pathlib import Path

    text = mask_secrets(traceback.format_exc())
    if sys.stderr is not None:
        sys.stderr.write(text)
    crash_log = Path(tempfile.gettempdir()) / "school-office-crash.log"
    try:
        with crash_log.open("a", encoding="utf-8") as f:
            when = datetime.now().isoformat(timespec="seconds")
            f.write(f"{when} {mask_secrets(str(sys.argv))}\n{text}\n")
    except OSError:
        pass
    if "--smoke-report" in sys.argv[:-1]:
        report = Path(sys.argv[sys.argv.index("--smoke-report") + 1])
        try:
            report.parent.mkdir(parents=True, exist_ok=True)
            reason = f"{text.strip().splitlines()[-1]} (traceback in {crash_log})"
            result = {"ok": False, "exit_code": EXIT_CRASH, "reason": reason, "details": text}
            report.write_text(json.dumps(result, indent=2), encoding="utf-8")
        except OSError:
            pass


def run() -> int:
    try:
        from desktop.cli import main

        return main()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        return 130
    except BaseException:
        _report_crash()
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(run())
