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

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LOCALE = ROOT / "desktop" / "i18n" / "locale"
RESOURCES = ROOT / "resources"
DOMAIN = "school_office"


def compile_catalogs(dest: Path) -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po.parent.parent.name
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
        mo = dest / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    if not written:
        raise SystemExit(f"no .po catalogues found under {LOCALE}")
    return written


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            compile_catalogs(LOCALE)  # the source tree is what an editable install runs
            return
        package = Path(self.build_lib) / "desktop"
        compile_catalogs(package / "i18n" / "locale")
        if not (RESOURCES / "fonts").is_dir():
            # An sdist without resources/ would give a wheel that cannot print: refuse it.
            raise SystemExit("resources/fonts is missing: the sdist must include resources/")
        shutil.copytree(RESOURCES, package / "_resources", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
