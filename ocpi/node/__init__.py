"""The node: the composition root and the application side of an OCPI platform (its identity and settings, its
hooks, the initiator half of the handshake, outbound calls, and the wiring of its push/pull workers and pricing).
Everything that needs "the node" imports it from here, never from `ocpi.server` (which is HTTP only)."""

from ocpi.node.config import NodeConfig, NodeOptions, OwnParty
from ocpi.node.handshake import register
from ocpi.node.hooks import Hooks
from ocpi.node.node import Node, OwnObjects
from ocpi.node.outbound import authorize_token, send_command

__all__ = [
    "Hooks",
    "Node",
    "NodeConfig",
    "NodeOptions",
    "OwnObjects",
    "OwnParty",
    "authorize_token",
    "register",
    "send_command",
]
