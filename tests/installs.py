"""tactful built and installed as a user would, once per test run.

Building and installing take most of a minute each, so the suite does each once: the sdist and
the wheel are built with ``python -m build`` from a copy of this source tree (the wheel from
the sdist, as a package index's user gets it, which proves the sdist holds all the build needs);
one fresh venv gets that wheel plus the example third-party plugin (examples/tactful-webhook),
another an editable install of the copy. The fixtures live in conftest.py; the tests that use
them are marked ``xdist_group("installs")`` so that, under pytest-xdist, one worker builds them.

Every command runs from an empty folder, so nothing is imported from the current directory by
accident, and without the caller's ``TACTFUL_*`` variables or venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Signs in pip's output that the package index could not be reached.
OFFLINE = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
           "Network is unreachable", "No matching distribution found for setuptools")  # fmt: skip
SKIP_COPYING = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                                      ".*_cache", ".hypothesis")  # fmt: skip
#: The mark of every test that uses an install: one xdist worker builds them all.
INSTALLS = pytest.mark.xdist_group("installs")


@dataclass(frozen=True)
class Dists:
    """A copy of the source tree and the sdist and wheel built from it."""

    source: Path
    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class Install:
    """A fresh venv with tactful installed one way, and a folder to run commands from."""

    mode: str
    venv: Path
    source: Path
    workdir: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def tactful(self) -> Path:
        return self.venv / "bin" / "tactful"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("TACTFUL_")}  # fmt: skip
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return {**env, **extra}

    def run(self, *args: str | Path, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], cwd=cwd or self.workdir, env=self.env(**extra),
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    def python_says(self, code: str) -> str:
        done = self.run(self.python, "-c", code)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


def _checked(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode == 0:
        return
    output = done.stdout + done.stderr
    if any(sign in output for sign in OFFLINE):
        pytest.skip(f"the package index could not be reached for {what}: {output[-500:]}")
    pytest.fail(f"{what} failed:\n{output[-4000:]}")


def build_dists(base: Path) -> Dists:
    """Copy the source tree under ``base`` and build its sdist, then the wheel from the sdist."""
    source = base / "tactful-src"
    shutil.copytree(REPO, source, ignore=SKIP_COPYING)
    out = base / "dist"
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], cwd=base,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    _checked(done, "python -m build")
    [sdist] = out.glob("tactful-*.tar.gz")
    [wheel] = out.glob("tactful-*.whl")
    return Dists(source, sdist, wheel)


def make_install(base: Path, mode: str, source: Path, *targets: str) -> Install:
    """A fresh venv under ``base`` with ``pip install TARGETS``."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True, timeout=300)
    workdir = base / "work"
    workdir.mkdir()
    done = Install(mode, venv, source, workdir)
    _checked(done.run(done.python, "-m", "pip", "install", "--no-input", *targets), f"pip install {' '.join(targets)}")
    return done
