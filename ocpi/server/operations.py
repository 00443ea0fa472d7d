"""What an operator adds to a node besides OCPI: health probes, Prometheus metrics and the operator's console,
each as the node's configuration asks (`NodeConfig.health`, `metrics`, `console_token`)."""

from __future__ import annotations

from typing import Any

from ocpi.node.node import Node
from ocpi.server import health


def install_operations(app: Any, node: Node) -> None:
    config = node.config
    if config.health:
        health.install(app, node)
    if config.metrics:
        from ocpi.server.metrics import install as install_metrics

        app.observe_request = install_metrics(app, node)
    if config.console_token:
        from ocpi.server.console import install as install_console

        install_console(app, node)
