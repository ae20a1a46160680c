"""What a guard read: a :class:`~.protocol.StatusView` that records the parties and messages
a guard looks at, so a guarded decision is memoised by what it depends on.

Why: guards are pure functions of the view (the engine already relies on it: it memoises them
per state).  A pure guard run on two states that agree on every value it read takes the same
path through its code — each read returns the same value, so the next read is the same — and
returns the same result.  So a guarded decision recorded once with its *read set* (the
parties whose status it read, the messages whose presence it tested) holds for every state
that agrees with that one on the read set.  In an order group a seller's guard reads its own
pair and the shared payment, not the other N-1 pairs: memoised per whole joint state it is
re-evaluated for nearly every state; memoised per read set, a few hundred times in all.

What counts as a read: ``status[p]``/``active[p]`` (also through ``get``, ``values()``,
``items()``, equality) reads party ``p``; ``name in in_flight`` tests message ``name``; any
way of enumerating ``in_flight`` (iteration, ``len``, set algebra with it on the right or
left, equality) reads every message.  Which parties exist and ``in`` on the party mappings
read nothing: the key set is the same in every state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .protocol import StatusView

__all__ = ["ReadSet", "recording_view"]

V = TypeVar("V")


@dataclass(slots=True)
class ReadSet:
    """The parties and messages one guard evaluation read (``all_messages``: it enumerated
    the messages in flight, so it depends on every channel)."""

    parties: set[str] = field(default_factory=set)
    messages: set[str] = field(default_factory=set)
    all_messages: bool = False


class _RecordingMap(Mapping[str, V]):
    """A party -> value mapping that notes every party whose value is looked up."""

    __slots__ = ("_data", "_reads")

    def __init__(self, data: Mapping[str, V], reads: set[str]) -> None:
        self._data, self._reads = data, reads

    def __getitem__(self, party: str) -> V:
        self._reads.add(party)
        return self._data[party]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)  # the parties: the same in every state, not a read

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, party: object) -> bool:
        return party in self._data


class _RecordingFlight(Set[str]):
    """The names of messages in flight, noting each name tested and any enumeration."""

    __slots__ = ("_data", "_reads")

    def __init__(self, data: frozenset[str], reads: ReadSet) -> None:
        self._data, self._reads = data, reads

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self._reads.messages.add(name)
        else:
            self._reads.all_messages = True
        return name in self._data

    def __iter__(self) -> Iterator[str]:
        self._reads.all_messages = True
        return iter(self._data)

    def __len__(self) -> int:
        self._reads.all_messages = True
        return len(self._data)

    @classmethod
    def _from_iterable(cls, it: Iterable[Any]) -> frozenset[Any]:
        return frozenset(it)  # results of set algebra are plain sets (already recorded)

    def __hash__(self) -> int:
        self._reads.all_messages = True
        return hash(self._data)


def recording_view(view: StatusView, reads: ReadSet) -> StatusView:
    """``view`` with every read noted in ``reads``."""
    return StatusView(status=_RecordingMap(view.status, reads.parties),
                      active=_RecordingMap(view.active, reads.parties),
                      in_flight=_RecordingFlight(view.in_flight, reads),  # type: ignore[arg-type]
                      )
