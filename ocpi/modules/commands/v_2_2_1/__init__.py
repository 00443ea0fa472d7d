"""OCPI 2.2.1 Commands objects."""
