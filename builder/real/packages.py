"""What ``extract`` imports: Python files as modules of their package, with provenance.

A file inside a package (its folder holds ``__init__.py``) is imported by its dotted name with
the package root's parent on ``sys.path``, so its relative imports work; a file outside any
package is imported under a private name with its own folder on ``sys.path`` (as when it is run).
An installed package named with ``--package`` is walked whole, and its distribution's name,
version and license go into every row's metadata.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

PRIVATE_PREFIX = "warp_ir_pairs_real_"


@dataclass(frozen=True)
class Source:
    """One Python file to import and how."""

    path: str  # absolute
    rel: str  # the file as rows and failures name it: from its package root's parent, or from the folder given
    module: str  # dotted name to import
    sys_path: str  # folder put first on sys.path while importing
    in_package: bool  # False: imported under a private name from ``path``
    package: str | None = None  # distribution (``newton``, ``warp-lang``) of an installed package
    version: str | None = None
    license: str | None = None


def _skipped(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in parts)


def package_root(file: Path) -> Path | None:
    """The outermost folder of the chain of ``__init__.py`` folders holding ``file``, or None."""
    root, folder = None, file.parent
    while (folder / "__init__.py").is_file():
        root, folder = folder, folder.parent
    return root


def _source(file: Path, rel: str, root: Path | None) -> Source:
    if root is not None:
        parts = file.relative_to(root.parent).with_suffix("").parts
        if all(p.isidentifier() for p in parts):
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            return Source(str(file), file.relative_to(root.parent).as_posix(), ".".join(parts), str(root.parent), True)
    name = PRIVATE_PREFIX + "".join(c if c.isalnum() else "_" for c in rel.removesuffix(".py"))
    return Source(str(file), rel, name, str(file.parent), False)


def path_sources(paths: Iterable[str | os.PathLike]) -> list[Source]:
    """Every ``.py`` file given or under a folder given, sorted by ``rel``.

    ``ValueError`` naming a path that does not exist or is not a Python file or folder.
    """
    found: dict[str, Source] = {}
    for given in paths:
        path = Path(given).absolute()
        if path.is_dir():
            files = [f for f in sorted(path.rglob("*.py")) if not _skipped(f.relative_to(path).parts)]
            within = package_root(path / "__init__.py") if (path / "__init__.py").is_file() else None
            for file in files:
                root = package_root(file) or (within if within is not None and _namespace_path(file, within) else None)
                found.setdefault(str(file), _source(file, file.relative_to(path).as_posix(), root))
        elif path.is_file() and path.suffix == ".py":
            found.setdefault(str(path), _source(path, path.name, package_root(path)))
        else:
            raise ValueError(f"{str(given)!r}: not a .py file or a folder (give Python files or folders holding them)")
    return sorted(found.values(), key=lambda s: s.rel)


def _namespace_path(file: Path, root: Path) -> bool:
    """``file`` sits in folders without ``__init__.py`` below the package ``root`` (namespace portions)."""
    return all(p.isidentifier() for p in file.relative_to(root.parent).with_suffix("").parts)


def package_sources(name: str) -> list[Source]:
    """Every module file of the installed package ``name`` (an import name: ``newton``, ``warp``).

    ``ValueError`` when no such package is installed.
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations or "." in name:
        raise ValueError(
            f"package {name!r}: no installed top-level package of that name "
            "(give an import name such as newton or warp)"
        )
    root = Path(next(iter(spec.submodule_search_locations))).resolve()
    distribution, version, license = distribution_of(name)
    sources = []
    for file in sorted(root.rglob("*.py")):
        if _skipped(file.relative_to(root).parts):
            continue
        source = _source(file, file.relative_to(root.parent).as_posix(), root)
        sources.append(replace(source, package=distribution, version=version, license=license))
    return sorted(sources, key=lambda s: s.rel)


def distribution_of(name: str) -> tuple[str, str | None, str | None]:
    """``(distribution, version, license)`` of the installed import package ``name``."""
    distributions = importlib.metadata.packages_distributions().get(name) or [name]
    try:
        metadata = importlib.metadata.metadata(distributions[0])
    except importlib.metadata.PackageNotFoundError:
        return name, None, None
    license = metadata.get("License-Expression") or (metadata.get("License") or "").strip().splitlines()[0:1]
    license = license[0] if isinstance(license, list) and license else license or None
    return distributions[0], metadata.get("Version"), license
