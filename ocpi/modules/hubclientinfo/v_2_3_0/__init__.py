"""OCPI 2.3.0 Hubclientinfo objects."""
