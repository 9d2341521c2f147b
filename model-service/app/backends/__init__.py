"""Backend registry: ``load_backend(name, settings)`` imports ``app.backends.<name>``."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from app.backends.base import Backend

if TYPE_CHECKING:
    from app.settings import Settings

KNOWN_BACKENDS: tuple[str, ...] = ("procedural", "easyanimate", "wan", "opensora")

__all__ = ["KNOWN_BACKENDS", "BackendUnavailable", "load_backend"]


class BackendUnavailable(RuntimeError):
    """The backend name is unknown, or its module or dependencies cannot be imported."""


def load_backend(name: str, settings: Settings) -> Backend:
    """Import ``app.backends.<name>`` and return ``create_backend(settings)`` (not yet loaded)."""
    if name not in KNOWN_BACKENDS:
        raise BackendUnavailable(
            f"unknown backend {name!r}; known backends: {', '.join(KNOWN_BACKENDS)}"
        )
    module_name = f"{__name__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise BackendUnavailable(
                f"backend {name!r} is not implemented in this build (no module {module_name})"
            ) from exc
        raise BackendUnavailable(
            f"backend {name!r} cannot be imported: missing dependency {exc.name!r} "
            "(install the GPU extras with: bash scripts/setup-python.sh --ml)"
        ) from exc
    factory = getattr(module, "create_backend", None)
    if factory is None:
        raise BackendUnavailable(f"module {module_name} has no create_backend(settings)")
    backend: Backend = factory(settings)
    return backend
