"""The `ocpi` command."""

from ocpi.cli.main import app, main

__all__ = ["app", "main"]
