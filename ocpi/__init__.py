"""ocpi-python: OCPI 2.1.1, 2.2.1 and 2.3.0 for Python."""

from typing import Any

from ocpi.core.versions import LIBRARY_VERSION, SUPPORTED_VERSIONS

__version__ = LIBRARY_VERSION


def get_application(*args: Any, **kwargs: Any) -> Any:
    """Build the FastAPI application of an OCPI node (see `ocpi.server.app.get_application`)."""
    from ocpi.server.app import get_application as factory

    return factory(*args, **kwargs)


__all__ = ["SUPPORTED_VERSIONS", "__version__", "get_application"]
