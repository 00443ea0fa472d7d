"""OCPI 2.3.0 Versions objects."""
