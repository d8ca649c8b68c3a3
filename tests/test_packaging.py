"""The install files agree: pyproject.toml, environment.yml and the Makefile's Python.

pyproject.toml pins Brian2 and numpy by Python version with environment markers (Brian2
2.10's wheels need Python >= 3.12; Brian2 2.9 fails to import with numpy 2.4).
environment.yml must list the same runtime and dev dependencies, with version ranges inside
pyproject's for the Python it names, and the Makefile must build ``.venv`` with a Python
>= 3.11.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml  # a dependency of dask, itself a runtime dependency
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# conda packages that a pip extra stands for: dask[distributed] -> dask + distributed
EXTRA_PACKAGES = {("dask", "distributed"): "distributed"}
# conda packages with no pyproject counterpart: the interpreter and the build tools
CONDA_ONLY = {"python", "cxx-compiler", "make", "pip"}
# Python minor versions probed for markers and for the interpreter's conda spec
PYTHONS = [f"3.{minor}" for minor in range(8, 16)]


def conda_specifier(spec: str) -> SpecifierSet:
    """Translate the version part of a simple conda match spec into a pip specifier set.

    Parameters
    ----------
    spec : str
        ``""`` (any version), ``"=2.9"`` (conda's 2.9.*), ``"==2.9.0"``, or comparisons
        joined by commas such as ``">=1.26,<2.4"``.

    Returns
    -------
    SpecifierSet
        The same set of versions in pip's syntax.

    Raises
    ------
    ValueError
        For anything else (``|``, build strings, wildcards other than conda's ``=``).
    """
    spec = spec.strip()
    if not spec:
        return SpecifierSet()
    if re.fullmatch(r"=[0-9][0-9.]*", spec):
        return SpecifierSet(f"=={spec[1:]}.*")
    if re.fullmatch(
        r"(?:(?:==|!=|>=|<=|>|<)[0-9][0-9.]*)(?:,(?:==|!=|>=|<=|>|<)[0-9][0-9.]*)*", spec
    ):
        return SpecifierSet(spec)
    raise ValueError(f"unsupported conda version spec: {spec!r}")


def probe_versions(*specifier_sets: SpecifierSet) -> list[Version]:
    """Versions on and either side of every bound that the specifier sets mention.

    Parameters
    ----------
    *specifier_sets : SpecifierSet
        The sets whose bounds are probed.

    Returns
    -------
    list of Version
        Each bound, its last component minus and plus one, and its ``.999`` patch.
    """
    probes: set[Version] = set()
    for specifiers in specifier_sets:
        for specifier in specifiers:
            parts = [int(p) for p in specifier.version.removesuffix(".*").split(".")]
            probes.add(Version(".".join(map(str, parts))))
            probes.add(Version(".".join(map(str, [*parts[:-1], parts[-1] + 1]))))
            if parts[-1] > 0:
                probes.add(Version(".".join(map(str, [*parts[:-1], parts[-1] - 1]))))
            probes.add(Version(".".join(map(str, [*parts, 999]))))
    return sorted(probes)


def is_within(inner: SpecifierSet, outer: SpecifierSet) -> bool:
    """Whether every probed version that ``inner`` allows ``outer`` allows too (and one does)."""
    allowed = [v for v in probe_versions(inner, outer) if v in inner]
    if not inner and not allowed:  # no bounds on either side
        return not outer
    return bool(allowed) and all(v in outer for v in allowed)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pyproject_requirements() -> list[Requirement]:
    project = pyproject()["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    ]


def conda_dependencies() -> dict[str, SpecifierSet]:
    """environment.yml's packages, by name, with their version ranges in pip's syntax."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps: dict[str, SpecifierSet] = {}
    for entry in env["dependencies"]:
        assert isinstance(entry, str), f"environment.yml: unexpected entry {entry!r}"
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", entry).groups()
        deps[canonicalize_name(name)] = conda_specifier(version)
    return deps


def conda_names(requirement: Requirement) -> list[str]:
    """The conda packages that one pyproject requirement stands for."""
    name = canonicalize_name(requirement.name)
    names = [name]
    for extra in sorted(requirement.extras):
        assert (name, extra) in EXTRA_PACKAGES, f"no conda package known for {name}[{extra}]"
        names.append(EXTRA_PACKAGES[name, extra])
    return names


def applies(requirement: Requirement, python: str) -> bool:
    """Whether a requirement's marker holds on Python ``python`` ("3.12")."""
    if requirement.marker is None:
        return True
    environment = default_environment()
    environment.update(python_version=python, python_full_version=f"{python}.0")
    return requirement.marker.evaluate(environment)


def conda_pythons() -> list[str]:
    """The Python minor versions that environment.yml's ``python`` spec allows."""
    spec = conda_dependencies()["python"]
    return [p for p in PYTHONS if any(Version(f"{p}.{patch}") in spec for patch in (0, 5, 99))]


# -- the helpers on hand-built cases --------------------------------------------------------


def test_conda_specifier_reads_conda_syntax() -> None:
    assert "2.9.0" in conda_specifier("=2.9")
    assert "2.10.0" not in conda_specifier("=2.9")
    assert "3.11.7" in conda_specifier("=3.11")
    spec = conda_specifier(">=1.26,<2.4")
    assert "2.3.5" in spec and "2.4.0" not in spec and "1.25.2" not in spec
    assert "0.1" in conda_specifier("")
    for bad in ("2.9|2.10", "=2.9=py311_0", "2.9.*"):
        with pytest.raises(ValueError, match="unsupported conda version spec"):
            conda_specifier(bad)


def test_is_within_compares_ranges() -> None:
    assert is_within(SpecifierSet("==2.9.*"), SpecifierSet(">=2.9,<2.10"))
    assert not is_within(SpecifierSet(">=2.9"), SpecifierSet(">=2.9,<2.10"))  # open above
    assert not is_within(SpecifierSet(">=1.3"), SpecifierSet(">=1.6"))  # older allowed
    assert not is_within(SpecifierSet(), SpecifierSet(">=1.6"))  # no bound at all
    assert not is_within(SpecifierSet("==2.10.*"), SpecifierSet(">=2.9,<2.10"))  # disjoint
    assert is_within(SpecifierSet(), SpecifierSet())


# -- the files -----------------------------------------------------------------------------


def test_environment_yml_lists_every_pyproject_dependency_within_its_range() -> None:
    conda = conda_dependencies()
    pythons = conda_pythons()
    assert pythons, "environment.yml's python allows no Python version"
    for python in pythons:
        for requirement in pyproject_requirements():
            if not applies(requirement, python):
                continue
            for name in conda_names(requirement):
                assert name in conda, f"environment.yml lacks {name} (pyproject: {requirement})"
                assert is_within(conda[name], requirement.specifier), (
                    f"environment.yml's {name}{conda[name]} is not within pyproject's "
                    f"{requirement} on Python {python}"
                )


def test_environment_yml_has_nothing_pyproject_lacks() -> None:
    known = {name for r in pyproject_requirements() for name in conda_names(r)}
    extra = set(conda_dependencies()) - known - CONDA_ONLY
    assert not extra, f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}"


def test_environment_python_is_one_pyproject_allows() -> None:
    requires_python = SpecifierSet(pyproject()["project"]["requires-python"])
    for python in conda_pythons():
        assert f"{python}.0" in requires_python, f"environment.yml's Python {python}"


@pytest.mark.parametrize("package", ["brian2", "numpy"])
def test_markers_give_one_range_per_python(package: str) -> None:
    requires_python = SpecifierSet(pyproject()["project"]["requires-python"])
    requirements = [r for r in pyproject_requirements() if canonicalize_name(r.name) == package]
    for python in PYTHONS:
        if f"{python}.0" not in requires_python:
            continue
        matching = [r for r in requirements if applies(r, python)]
        assert len(matching) == 1, f"{package} on Python {python}: {matching}"


def test_markers_follow_brian2_releases() -> None:
    """Brian2 2.10's wheels need Python >= 3.12; Brian2 2.9 does not import with numpy 2.4."""
    by_python = {
        python: {
            canonicalize_name(r.name): r.specifier
            for r in pyproject_requirements()
            if applies(r, python)
        }
        for python in ("3.11", "3.12", "3.13")
    }
    assert "2.9.0" in by_python["3.11"]["brian2"]
    assert "2.10.1" not in by_python["3.11"]["brian2"]
    assert "2.4.0" not in by_python["3.11"]["numpy"]
    for python in ("3.12", "3.13"):
        assert "2.9.0" not in by_python[python]["brian2"]
        assert "2.10.1" in by_python[python]["brian2"]
        assert "2.4.0" in by_python[python]["numpy"]


# -- the Makefile's Python -------------------------------------------------------------------

MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def print_python(path: str | None = None, **variables: str) -> subprocess.CompletedProcess:
    """Run ``make print-python`` in the repository with a clean make environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHON", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    }
    if path is not None:
        env["PATH"] = path
    args = [MAKE, "-s", "--no-print-directory", "-C", str(ROOT), "print-python"]
    args += [f"{k}={v}" for k, v in variables.items()]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)


def fake_python(folder: Path, name: str, works: bool) -> None:
    """A command ``name`` that runs this interpreter, or one that fails like a stale shim."""
    body = f'exec "{sys.executable}" "$@"' if works else "echo 'command not found' >&2; exit 127"
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)


@needs_make
def test_makefile_picks_a_python_at_least_3_11() -> None:
    result = print_python()
    assert result.returncode == 0, result.stderr
    name, version = result.stdout.split()
    assert shutil.which(name) is not None
    assert Version(version) >= Version("3.11")


@needs_make
def test_makefile_skips_candidates_that_do_not_run(tmp_path: Path) -> None:
    fake_python(tmp_path, "python3.11", works=False)  # the first candidate: a stale shim
    fake_python(tmp_path, "python3", works=True)
    result = print_python(path=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["python3", ".".join(map(str, sys.version_info[:3]))]


@needs_make
def test_makefile_stops_when_no_python_is_suitable(tmp_path: Path) -> None:
    fake_python(tmp_path, "python3.12", works=False)
    result = print_python(path=str(tmp_path))
    assert result.returncode != 0
    assert "no Python >= 3.11 found" in result.stderr


@needs_make
def test_makefile_python_override_is_checked(tmp_path: Path) -> None:
    fake_python(tmp_path, "python3.11", works=True)
    fake_python(tmp_path, "broken", works=False)
    chosen = print_python(path=str(tmp_path), PYTHON=sys.executable)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split()[0] == sys.executable
    refused = print_python(path=str(tmp_path), PYTHON=str(tmp_path / "broken"))
    assert refused.returncode != 0
    assert "older than Python 3.11" in refused.stderr
