"""Find the files in the top-level ``resources/`` folder (fonts, images) wherever the app runs.

Three layouts are searched, in this order:

1. a PyInstaller bundle: ``sys._MEIPASS/resources`` (the spec adds ``("resources", "resources")``);
2. a wheel install: ``desktop/_resources`` (setup.py's build_py copies ``resources/`` there);
3. a source checkout or an editable install: ``<repo>/resources`` next to the package folder.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidate_roots() -> list[Path]:
    roots = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "resources")
    roots.append(_PACKAGE_DIR / "_resources")
    roots.append(_PACKAGE_DIR.parent / "resources")
    return roots


@cache
def resources_root() -> Path:
    """The first resources folder that exists; FileNotFoundError names every place searched."""
    roots = _candidate_roots()
    for root in roots:
        if root.is_dir():
            return root
    searched = ", ".join(str(r) for r in roots)
    raise FileNotFoundError(f"the resources folder is missing (searched: {searched})")


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. ``resource_path("fonts", "DejaVuSans.ttf")``.

    Raises FileNotFoundError when the file is not there, so a broken install fails loudly and
    early instead of printing documents with a fallback font.
    """
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource {'/'.join(parts)} not found in {resources_root()}")
    return path
