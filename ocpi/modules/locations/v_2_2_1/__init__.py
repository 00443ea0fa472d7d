"""OCPI 2.2.1 Locations objects."""
