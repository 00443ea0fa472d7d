"""The `ocpi` command."""

from ocpi.cli.main import main

__all__ = ["main"]
