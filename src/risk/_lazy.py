"""Public APIs of the core's packages, imported on first use.

Each package's ``__init__`` maps its public names to the module that defines them; a name
is imported when first read, so importing one part of a package (the command line's
``--help``, a worker) does not import all of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_api(package: str, where: dict[str, str]
             ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package`` from ``where``
    (public name -> module of the package that defines it)."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return sorted(where), __getattr__, __dir__
