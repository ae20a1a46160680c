"""Delivery modes: what the network between two parties may do with messages in flight.

Each mode is one small class over a channel's contents (a tuple of message ids, oldest first);
:class:`Delivery` names them.  Adding a mode is one class and one enum member here — the joint
system calls only :meth:`ChannelSemantics.put` and :meth:`ChannelSemantics.takes`.

``fifo``       reliable, in order per direction (default);
``unordered``  reliable, any order (a multiset per direction, kept sorted);
``duplicate``  at-least-once: a delivered message may stay in flight and be delivered again
               (contents are a *set*, kept sorted: extra copies are indistinguishable);
``lossy``      FIFO, and the network may lose the message at the head of a channel.
"""

from __future__ import annotations

from enum import StrEnum


class Delivery(StrEnum):
    FIFO = "fifo"
    UNORDERED = "unordered"
    DUPLICATE = "duplicate"
    LOSSY = "lossy"


class Take(StrEnum):
    """What a network step does with the message it takes from a channel."""

    DELIVER = "deliver"  # deliver and remove
    DELIVER_KEEP = "deliver-keep"  # deliver and keep a copy in flight
    LOSE = "lose"  # drop it


Contents = tuple[int, ...]


class ChannelSemantics:
    """Reliable FIFO: the base every other mode varies."""

    takes_kinds: tuple[Take, ...] = (Take.DELIVER,)

    def put(self, contents: Contents, msg: int) -> Contents:
        """The contents after ``msg`` is sent (the caller checks the capacity)."""
        return (*contents, msg)

    def positions(self, contents: Contents) -> list[int]:
        """Indices of the messages the network may take next."""
        return [0]

    def takes(self, contents: Contents) -> list[tuple[int, Contents, Take]]:
        """Every (message, contents left, what happens) the network may do next."""
        out: list[tuple[int, Contents, Take]] = []
        for i in self.positions(contents):
            rest = contents[:i] + contents[i + 1:]
            msg = contents[i]
            for kind in self.takes_kinds:
                out.append((msg, contents if kind is Take.DELIVER_KEEP else rest, kind))
        return out


class Fifo(ChannelSemantics):
    pass


class Unordered(ChannelSemantics):
    def put(self, contents: Contents, msg: int) -> Contents:
        return tuple(sorted((*contents, msg)))

    def positions(self, contents: Contents) -> list[int]:
        return [i for i, m in enumerate(contents) if i == 0 or m != contents[i - 1]]


class Duplicate(Unordered):
    takes_kinds = (Take.DELIVER, Take.DELIVER_KEEP)

    def put(self, contents: Contents, msg: int) -> Contents:
        return tuple(sorted({*contents, msg}))


class Lossy(ChannelSemantics):
    takes_kinds = (Take.DELIVER, Take.LOSE)


SEMANTICS: dict[Delivery, ChannelSemantics] = {
    Delivery.FIFO: Fifo(),
    Delivery.UNORDERED: Unordered(),
    Delivery.DUPLICATE: Duplicate(),
    Delivery.LOSSY: Lossy(),
}

#: The mode names, in the order the CLI lists them.
DELIVERY_MODES: tuple[str, ...] = tuple(m.value for m in Delivery)
