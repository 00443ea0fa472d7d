"""OCPI 2.3.0 sessions objects."""
