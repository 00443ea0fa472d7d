"""OCPI 2.2.1 Chargingprofiles objects."""
