"""Names of one (marketplace order, seller order) pair of an order group.

A VTEX cart with items of several sellers becomes an *order group*: one marketplace order per
seller, each with its own seller order (REF §2.3; CHSELL).  The model gives pair ``i`` of a
group of N >= 2 the parties ``marketplace-i`` and ``seller-i``, and suffixes every message
(``order-placed-i``) and every pair guard (``seller_request_is_own_i``) with ``i``, so the
charts of two pairs are the same chart over different names (what symmetry reduction needs).
The two-party model is :data:`SOLO`: no suffix at all, so its names are today's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pair:
    """Pair ``index`` of a group (1-based); ``index == 0`` is the lone pair of the two-party
    model, whose names carry no suffix."""

    index: int = 0

    @property
    def marketplace(self) -> str:
        return "marketplace" if not self.index else f"marketplace-{self.index}"

    @property
    def seller(self) -> str:
        return "seller" if not self.index else f"seller-{self.index}"

    def m(self, message: str) -> str:
        """This pair's copy of ``message`` (messages never cross pairs)."""
        return message if not self.index else f"{message}-{self.index}"

    def g(self, guard: str) -> str:
        """This pair's copy of a guard that reads the pair's statuses or messages."""
        return guard if not self.index else f"{guard}_{self.index}"


SOLO = Pair()
