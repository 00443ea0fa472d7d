"""Charging Profiles module (2.2.1 and 2.3.0): smart charging profiles set on a running session."""
