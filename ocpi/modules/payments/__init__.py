"""Payments module (OCPI 2.3.0 only; data owner: the payment terminal provider, PTP)."""
