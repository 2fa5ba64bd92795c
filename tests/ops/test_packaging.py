"""Packaging: every folder shipped with the code is declared in pyproject.toml, so an install prints no warnings.

setuptools treats every folder inside a package as an importable package of its own and warns at each install
("Package 'documents.fonts' is absent from the `packages` configuration") when it is not listed; files that are
not Python must be matched by package-data or the installed app misses its fonts and catalogue.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folders_inside(package: str) -> list[str]:
    base = ROOT / package.replace(".", "/")
    return [f"{package}.{path.name}" for path in sorted(base.iterdir())
            if path.is_dir() and path.name.isidentifier() and path.name != "__pycache__"]


def test_every_folder_inside_a_package_is_declared_as_a_package() -> None:
    packages = set(_setuptools_config()["packages"])
    undeclared = [folder for package in sorted(packages) for folder in _folders_inside(package)
                  if folder not in packages]
    assert undeclared == [], f"missing from [tool.setuptools] packages in pyproject.toml: {undeclared}"


def test_every_data_file_of_a_package_is_matched_by_package_data() -> None:
    config = _setuptools_config()
    unmatched = []
    for package in config["packages"]:
        patterns = config.get("package-data", {}).get(package, [])
        for path in sorted((ROOT / package.replace(".", "/")).iterdir()):
            if path.is_file() and path.suffix not in {".py", ".pyc"} and not any(
                    fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
                unmatched.append(f"{package}/{path.name}")
    assert unmatched == [], f"not matched by [tool.setuptools.package-data]: {unmatched}"


def test_every_top_level_module_is_installed_and_copied_into_the_image() -> None:
    modules = {path.stem for path in ROOT.glob("*.py")} - {"dev"}  # dev.py sets up a checkout, it is not shipped
    assert set(_setuptools_config()["py-modules"]) == modules
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert [m for m in sorted(modules) if f" {m}.py " not in dockerfile] == []
