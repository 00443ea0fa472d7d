"""OCPI 2.3.0 Commands objects."""
