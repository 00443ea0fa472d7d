"""OCPI 2.1.1 Locations objects."""
