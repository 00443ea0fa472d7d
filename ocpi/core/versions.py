"""The OCPI versions this library speaks, spelled once, and the library's own version."""

from typing import Final

SUPPORTED_VERSIONS: Final = ("2.1.1", "2.2.1", "2.3.0")
"""Every OCPI version a node can serve and a client can speak, oldest first."""
NEWEST_FIRST: Final = tuple(reversed(SUPPORTED_VERSIONS))
"""The same, in the order of preference when two parties agree on a version (the highest both speak)."""
LIBRARY_VERSION: Final = "0.1.0"
"""ocpi-python's own version (`ocpi.__version__`)."""
