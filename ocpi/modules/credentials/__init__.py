"""Credentials module (configuration): the Credentials object exchanged in the registration handshake."""
