"""Which marketplace order and which seller order are one purchase.

Why a rule and a file: VTEX gives the two orders different ids, and a log holds no field
joining them (``marketplaceOrderId``/``sellerOrderId`` live on Get order, not on feed items).

**Default rule (VTEX-style ids).**  A VTEX order id is ``<sequence>-<NN>`` (the reference's
``1234567890123-01``: digits, a dash, the two-digit split index).  A seller's fulfillment order
for a marketplace order carries the marketplace order's id behind the seller-side prefix the
marketplace is known by: ``<PREFIX>-<sequence>-<NN>`` (e.g. ``MKP-1234567890123-01``), where
the prefix starts with a letter and holds letters and digits.  So a seller id of that shape
links to ``<sequence>-<NN>``; a seller id without a prefix links to the same id (a log that
already uses one id per purchase).  Marketplace ids are used as they are.

**Link file** (``--link FILE``): CSV with header ``marketplace_order_id,seller_order_id``; it
wins over the rule for the seller ids it lists.  A seller id listed twice with different
marketplace ids is bad input (exit 2, naming the line).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..errors import UsageError

VTEX_SELLER_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]*-(\d+-\d+)$")


def default_rule(seller_order_id: str) -> str:
    """The marketplace order id the default rule links a seller order id to."""
    match = VTEX_SELLER_ID.match(seller_order_id)
    return match.group(1) if match else seller_order_id


class Linker:
    """Maps each party's order id to the joint order's id (the marketplace's)."""

    def __init__(self, first_party: str, links: dict[str, str] | None = None) -> None:
        self.first_party = first_party  # whose ids name the joint order (the marketplace)
        self.links = links or {}
        self._memo: dict[str, str] = {}

    def joint_id(self, party: str, order_id: str) -> str:
        if party == self.first_party:
            return order_id
        hit = self._memo.get(order_id)
        if hit is None:
            hit = self.links.get(order_id) or default_rule(order_id)
            if len(self._memo) < 1_000_000:
                self._memo[order_id] = hit
        return hit


def read_link_file(path: Path) -> dict[str, str]:
    """seller order id -> marketplace order id, from ``--link FILE``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--link {path}: cannot read ({exc})") from None
    rows = csv.reader(text.splitlines())
    header = [c.strip() for c in next(rows, [])]
    if header[:2] != ["marketplace_order_id", "seller_order_id"]:
        raise UsageError(f"--link {path}:1: expected the header "
                         f"'marketplace_order_id,seller_order_id', got {','.join(header)!r}")
    links: dict[str, str] = {}
    for lineno, row in enumerate(rows, start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise UsageError(f"--link {path}:{lineno}: expected two ids, got {','.join(row)!r}")
        market, seller = row[0].strip(), row[1].strip()
        if links.get(seller, market) != market:
            raise UsageError(f"--link {path}:{lineno}: seller order {seller!r} is already "
                             f"linked to {links[seller]!r}")
        links[seller] = market
    return links
