"""`pip install --no-build-isolation` installs a package that imports and works
from where pip put it. It reuses this CTest run's CMake build (LOGZ_BUILD_DIR),
so what it tests is the packaging: setup.py, pyproject.toml and the files
that land in the target folder."""

import os
import subprocess
import sys

import pytest

import logz

PACKAGE_FILES = ["__init__.py", "_base.py", "_validation.py", "estimate.py", "models.py"]


def test_pip_install_into_a_folder(tmp_path):
    source, build = os.environ.get("LOGZ_SOURCE_DIR"), os.environ.get("LOGZ_BUILD_DIR")
    if not source or not build:
        pytest.skip("LOGZ_SOURCE_DIR and LOGZ_BUILD_DIR name the project and its CMake build")
    target = tmp_path / "site"
    env = dict(os.environ, LOGZ_BUILD_DIR=build, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
         "--no-index", "--no-cache-dir", "--target", str(target), source],
        env=env, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert sorted(p.name for p in (target / "logz").glob("*.py")) == PACKAGE_FILES

    script = ("import numpy as np, logz\n"
              "X = (np.random.default_rng(0).random((100, 8)) < 0.3).astype(np.float32)\n"
              "rbm = logz.BernoulliRBM(n_hidden=3, n_epochs=2).fit(X)\n"
              "print(logz.__file__, logz.__version__, round(rbm.score(X), 2))\n")
    imported = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                              env=dict(env, PYTHONPATH=str(target)), capture_output=True)
    assert imported.returncode == 0, imported.stderr
    where, version, score = imported.stdout.split()
    assert where == str(target / "logz" / "__init__.py")
    assert version == logz.__version__ and float(score) < 0


def test_pip_wheel_builds_a_wheel_that_installs(tmp_path):
    source, build = os.environ.get("LOGZ_SOURCE_DIR"), os.environ.get("LOGZ_BUILD_DIR")
    if not source or not build:
        pytest.skip("LOGZ_SOURCE_DIR and LOGZ_BUILD_DIR name the project and its CMake build")
    env = dict(os.environ, LOGZ_BUILD_DIR=build, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
         "--no-cache-dir", "--wheel-dir", str(wheels), source],
        env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = list(wheels.glob("logz-*.whl"))
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n.split("/")[1] for n in names if n.startswith("logz/") and n.endswith(".py")) \
        == PACKAGE_FILES
    assert any(n.startswith("logz/_core") and n.endswith(".so") for n in names)
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target",
         str(target), str(wheel)], env=env, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    script = ("import numpy as np, logz\n"
              "X = np.random.default_rng(0).integers(0, 3, (100, 4))\n"
              "print(round(logz.PottsModel().fit(X).score(X), 2))\n")
    imported = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                              env=dict(env, PYTHONPATH=str(target)), capture_output=True)
    assert imported.returncode == 0, imported.stderr
    assert float(imported.stdout) < 0
