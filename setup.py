"""Build hook: the wheel carries the role library and the molecule scenarios (the lab's
scripts among them) as package data.

Both live at the top of the repository (``roles/``, ``molecule/``: molecule and ansible-lint
find them there), so git holds them once; a wheel build copies them under ``sigen/data/``,
where an installed sigen looks (``sigen.compile.library``): side by side, as in the
repository, since the component documents read the scenarios beside the roles. An editable
install reads them from the repository and copies nothing. The sdist carries them through
MANIFEST.in (``python -m build`` makes the wheel from the sdist).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# Repository folder -> folder in the package.
BUNDLED = {"roles": "sigen/data/roles", "molecule": "sigen/data/molecule"}
_SKIP = shutil.ignore_patterns(".*", "__pycache__", "*.pyc")


class BuildWithAssets(build_py):
    """``build_py``, then the bundled folders copied into the build tree."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = Path(__file__).resolve().parent
        for source, target in BUNDLED.items():
            dest = Path(self.build_lib) / target
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(here / source, dest, ignore=_SKIP)


setup(cmdclass={"build_py": BuildWithAssets})
