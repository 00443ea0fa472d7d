"""What crossing between versions costs: each conversion returns its result and a list of losses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Loss:
    """One field that was dropped, invented or changed by a conversion, as a JSON pointer and a reason."""

    pointer: str
    reason: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ConversionContext:
    """What a conversion may need that the object itself does not carry.

    - `country_code`/`party_id`: the owner, for 2.1.1 objects, which have no owner fields (taken from the
      URL or the partner's credentials);
    - `location`: the canonical Location a 2.2.1/2.3.0 Session refers to, to rebuild the full Location a
      2.1.1 Session embeds;
    - `embedded`: filled by a conversion up with what the source embedded that the canonical form keeps only
      by reference (`"location"`: the Location a 2.1.1 Session embedded, as canonical), so that rendering
      the object back gives what came in.
    """

    country_code: str | None = None
    party_id: str | None = None
    location: Any = None
    embedded: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Converted(Generic[T]):
    value: T
    losses: list[Loss] = field(default_factory=list)


class LossLog:
    """Collects losses while a converter walks an object; `at()` gives a child log for a nested pointer."""

    __slots__ = ("_parent", "_parts", "_prefix", "losses")

    def __init__(self, prefix: str = "", sink: list[Loss] | None = None):
        self._prefix: str | None = prefix
        self._parent: LossLog | None = None
        self._parts: tuple[str | int, ...] = ()
        self.losses: list[Loss] = [] if sink is None else sink

    @property
    def prefix(self) -> str:
        """The JSON pointer of this log, spelled only when a loss needs it (most nested logs record none)."""
        if self._prefix is None:
            assert self._parent is not None
            suffix = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in self._parts)
            self._prefix = self._parent.prefix + suffix
        return self._prefix

    def at(self, *parts: str | int) -> LossLog:
        child = LossLog(sink=self.losses)
        child._prefix, child._parent, child._parts = None, self, parts
        return child

    def add(self, name: str | int, reason: str) -> None:
        self.losses.append(Loss(self.at(name).prefix, reason))
