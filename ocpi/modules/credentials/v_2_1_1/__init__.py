"""OCPI 2.1.1 Credentials objects."""
