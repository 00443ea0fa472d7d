"""One package per OCPI module: per-version schemas, conversion to the canonical (2.3.0) form, interfaces."""
