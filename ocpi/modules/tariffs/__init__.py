"""Tariffs module (`tariffs`): per-version schemas and conversion to the canonical (2.3.0) form."""
