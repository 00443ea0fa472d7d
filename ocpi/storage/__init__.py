"""Where OCPI objects, partners and credentials live: the `Store` protocol and the built-in SQL store."""

from ocpi.storage import hubs as _hub_tables  # noqa: F401  (what a hub, and a party behind hubs, keep)
from ocpi.storage import identity as _identity_table  # noqa: F401  (registers the node's parties on the metadata)
from ocpi.storage import operations as _operations_tables  # noqa: F401  (registers ocpi_check_reports)
from ocpi.storage import push as _push_tables  # noqa: F401  (registers the push tables on the metadata)
from ocpi.storage import quirks as _quirk_tables  # noqa: F401  (and the partners' quirks)
from ocpi.storage.base import ObjectKey, Page, PutOutcome, Store, StoredObject
from ocpi.storage.sql import SqlStore

__all__ = ["ObjectKey", "Page", "PutOutcome", "SqlStore", "Store", "StoredObject"]
