"""Bookings, OCPI 2.3.0 Bookings extension (`2.3.0-bookings/mod_bookings.asciidoc`)."""
