"""Builds the logz Python package: the pure-Python files under python/logz/
and the extension module logz._core, compiled by this project's CMake build
(the same C++ core as the logz command line).

    pip install --no-build-isolation .            # into the active environment
    pip install --no-build-isolation --target DIR .

Environment:
    LOGZ_ARCH        value for -march (default: native)
    LOGZ_BUILD_DIR   an existing CMake build folder of logz to take the module
                     from (only its logz_python target is brought up to date)
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
EXISTING_BUILD = os.environ.get("LOGZ_BUILD_DIR")
# setuptools' own scratch space, apart from the sources (its default, build/,
# is where CMake builds logz too).
SCRATCH = Path(EXISTING_BUILD or ROOT / "build").resolve() / "pip"


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(logz VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    """Runs CMake for the module target and copies the module into the package."""

    def build_extension(self, ext):
        if EXISTING_BUILD:
            build_dir = Path(EXISTING_BUILD).resolve()
        else:
            build_dir = Path(self.build_temp).resolve() / "cmake"
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            self._run(["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                       "-DCMAKE_BUILD_TYPE=Release", "-DLOGZ_BUILD_TESTS=OFF",
                       "-DLOGZ_BUILD_BENCH=OFF", "-DLOGZ_PYTHON=ON",
                       f"-DLOGZ_ARCH={os.environ.get('LOGZ_ARCH', 'native')}",
                       f"-DPython3_EXECUTABLE={sys.executable}"])
        self._run(["cmake", "--build", str(build_dir), "--target", "logz_python", "--parallel"])
        built = build_dir / "python" / "logz" / ("_core" + sysconfig.get_config_var("EXT_SUFFIX"))
        if not built.exists():
            sys.exit(f"logz: {built} was not built: the CMake build in {build_dir} is for "
                     f"another Python, or found no pybind11 (apt-get install pybind11-dev "
                     f"python3-dev)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)

    @staticmethod
    def _run(command):
        print(" ".join(command), flush=True)
        subprocess.run(command, check=True)


SCRATCH.mkdir(parents=True, exist_ok=True)
# A package file removed from the sources must not linger in the scratch
# copy of an earlier build (setuptools only adds and overwrites).
for stale in SCRATCH.glob("lib*"):
    shutil.rmtree(stale, ignore_errors=True)
setup(
    version=project_version(),
    packages=["logz"],
    package_dir={"": "python"},
    ext_modules=[Extension("logz._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": str(SCRATCH)}, "egg_info": {"egg_base": str(SCRATCH)}},
    zip_safe=False,
)
