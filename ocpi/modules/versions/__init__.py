"""Versions module (configuration): the versions list and the version details with their endpoints."""
