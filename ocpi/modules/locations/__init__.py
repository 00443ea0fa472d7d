"""Locations module (data owner: CPO): Location, EVSE, Connector and their classes, per version."""
