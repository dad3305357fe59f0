"""A generic registry of named factories, shared by every extension family.

Models, tasks, datasets, runtimes and indexes each keep one :class:`Registry`; a new component is
one small module that decorates its factory with ``@REGISTRY.register("name")``. A registry made
with ``autoload="embedlab.data"`` imports every module of that package the first time it is
asked for a name, so adding a component never means editing a list somewhere else (modules keep
heavy imports inside their factories, so this stays cheap).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from embedlab.errors import ConfigError, UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named factories of one kind (``kind`` is used in error messages, e.g. ``"task"``)."""

    def __init__(self, kind: str, autoload: str | None = None) -> None:
        self.kind = kind
        self._factories: dict[str, T] = {}
        self._autoload = autoload

    def _load(self) -> None:
        """Import every public module of the autoload package (once; a failure propagates)."""
        if self._autoload is None:
            return
        module = importlib.import_module(self._autoload)
        for info in pkgutil.iter_modules(module.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{self._autoload}.{info.name}")
        self._autoload = None

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering ``factory`` under ``name``; a duplicate name is an error."""

        def decorator(factory: T) -> T:
            if name in self._factories:
                raise ConfigError(f"{self.kind} {name!r} is registered twice")
            self._factories[name] = factory
            return factory

        return decorator

    def get(self, name: str) -> T:
        """The factory for ``name``; :class:`UnknownNameError` (listing valid names) if absent."""
        self._load()
        try:
            return self._factories[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._factories) from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        self._load()
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
