"""Build hook: before the package is assembled, scripts/generate_types.py copies the project's .avsc files into
it and generates records.py from them, so an installed package reads the schemas the job uses without a copy
in git. Everything else is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent


def generate() -> None:
    spec = importlib.util.spec_from_file_location("generate_types", HERE / "scripts" / "generate_types.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(module.generate())


class BuildWithSchemas(build_py):
    def run(self):
        generate()
        super().run()


class SdistWithSchemas(sdist):
    def run(self):
        generate()
        super().run()


setup(cmdclass={"build_py": BuildWithSchemas, "sdist": SdistWithSchemas})
