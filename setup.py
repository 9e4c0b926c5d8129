"""Build hooks; all metadata lives in pyproject.toml.

build_py also
* compiles the gettext catalogues (desktop/i18n/locale/*/LC_MESSAGES/*.po → .mo): into the build
  tree for a wheel, into the source tree for ``pip install -e .`` (the .mo files are not
  committed: .gitignore has *.mo);
* copies the top-level resources/ folder (fonts and their licence) into desktop/_resources in
  the wheel, where desktop.resources.resource_path finds it. A checkout or an editable install
  reads resources/ in place, a PyInstaller bundle reads sys._MEIPASS/resources.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LOCALE = ROOT / "desktop" / "i18n" / "locale"
RESOURCES = ROOT / "resources"


def _load_by_path(name: str, path: Path):
    """A module from its file: the build environment has Babel but not the app's dependencies,
    and the project folder need not be on sys.path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compile_catalogs = _load_by_path(
    "school_office_i18n_compile", ROOT / "desktop" / "i18n" / "compile.py"
).compile_catalogs


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            compile_catalogs(LOCALE)  # the source tree is what an editable install runs
            return
        package = Path(self.build_lib) / "desktop"
        compile_catalogs(LOCALE, package / "i18n" / "locale")
        if not (RESOURCES / "fonts").is_dir():
            # An sdist without resources/ would give a wheel that cannot print: refuse it.
            raise SystemExit("resources/fonts is missing: the sdist must include resources/")
        shutil.copytree(RESOURCES, package / "_resources", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
