"""OCPI 2.1.1 Commands objects."""
