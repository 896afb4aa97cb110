"""Load the upstream clients' own modules without the heavy packages they never use here.

The pinned wheels are installed with --no-deps (tests/clients/requirements.txt), so torch, ray,
vllm and transformers are absent. Some package `__init__.py` files import those (see VERL_BARE,
OPENRLHF_BARE below), although the modules we call do not.
`import_light("verl.utils.reward_score", VERL_BARE)` registers those packages as bare packages
(their directory on `__path__`, their `__init__.py` NOT run) and then imports the module itself
normally, so the code that runs is the installed file, unchanged.

`function_from_file` compiles a single top-level function out of an installed file whose
module imports torch at the top (TRL's trainer/utils.py): their function, their source, run in
a namespace that holds only the imports that function uses.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import sys
import types
from typing import Any, Iterable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ADAPTERS = os.path.join(ROOT, "clients", "python", "rlvr_client")
REQUIREMENTS = os.path.join(HERE, "requirements.txt")


def package_dir(top: str) -> str:
    """The directory of an installed top-level package, found without importing it."""
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{top} is not installed; run tests/clients/run.sh (it installs {REQUIREMENTS})")
    return list(spec.submodule_search_locations)[0]


def source_path(dotted: str) -> str:
    """The installed file of module `dotted` (a package's __init__.py or a .py), not imported."""
    parts = dotted.split(".")
    base = os.path.join(package_dir(parts[0]), *parts[1:])
    if os.path.isdir(base):
        return os.path.join(base, "__init__.py")
    return base + ".py"


def read_source(dotted_or_relpath: str) -> str:
    """The text of an installed module ('verl.trainer.ppo.reward') or package file
    ('verl/trainer/config/reward/reward.yaml')."""
    if "/" in dotted_or_relpath:
        top, rest = dotted_or_relpath.split("/", 1)
        path = os.path.join(package_dir(top), rest)
    else:
        path = source_path(dotted_or_relpath)
    with open(path, encoding="utf-8") as f:
        return f.read()


# The packages whose __init__.py imports what the modules under test never need (checked for the
# pinned releases: verl/__init__.py imports verl.protocol -> torch, tensordict; verl/utils/
# __init__.py imports its tokenizer/config helpers -> transformers, torch; openrlhf/utils/
# __init__.py imports utils.utils -> torch, transformers). Every other package imports as usual.
VERL_BARE = ("verl", "verl.utils")
OPENRLHF_BARE = ("openrlhf.utils",)


def _bare_package(name: str) -> types.ModuleType:
    """Register package `name` with its directory on __path__ but without running __init__.py
    (its parent package, if any, is imported normally unless already registered)."""
    if name in sys.modules:
        return sys.modules[name]
    parts = name.split(".")
    parent = importlib.import_module(".".join(parts[:-1])) if len(parts) > 1 else None
    path = os.path.join(package_dir(parts[0]), *parts[1:])
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [path]
    module = importlib.util.module_from_spec(spec)
    module.__path__ = [path]
    sys.modules[name] = module
    if parent is not None:
        setattr(parent, parts[-1], module)
    return module


def import_light(dotted: str, bare: Iterable[str]) -> types.ModuleType:
    """Import `dotted` normally after registering the packages in `bare` (outermost first)
    as bare packages, so their __init__.py files do not run."""
    for name in sorted(bare, key=lambda n: n.count(".")):
        _bare_package(name)
    return importlib.import_module(dotted)


def function_from_file(dotted: str, name: str, namespace: dict[str, Any]) -> Any:
    """Compile the top-level function `name` of installed module `dotted` into `namespace`."""
    path = source_path(dotted)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            code = compile(ast.Module(body=[node], type_ignores=[]), path, "exec")
            ns = dict(namespace)
            exec(code, ns)
            return ns[name]
    raise AssertionError(f"{dotted} ({path}) has no top-level function {name!r} any more")


def load_by_path(path: str, name: str) -> types.ModuleType:
    """Load one file as module `name` (what the frameworks do with a user's reward file)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pinned() -> dict[str, str]:
    """name -> version from requirements.txt (the single source of the pins)."""
    out = {}
    with open(REQUIREMENTS, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                out[name.strip()] = version.strip()
    return out


def installed_version(name: str) -> str:
    return importlib.metadata.version(name)
