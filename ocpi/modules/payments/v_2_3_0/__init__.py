"""Payments, OCPI 2.3.0 (`mod_payments.asciidoc`)."""
