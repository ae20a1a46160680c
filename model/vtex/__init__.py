"""The VTEX order workflow model: marketplace order × seller (fulfillment) order.

``documented()`` follows the VTEX documents; ``observed()`` adds what the known issues show
production does (KI-1004978, KI-1400005).  See ``model/vtex/workflow.py``.  Every factory
takes ``sellers`` (default 1, the two-party model): ``sellers=N >= 2`` builds an order group of
N pairs sharing one payment, with change-seller (``--sellers N``; ``build_group``).
"""

from .workflow import (
    build,
    documented,
    documented_receipt_clock,
    observed,
    observed_receipt_clock,
    variant,
)

__all__ = ["build", "documented", "documented_receipt_clock", "observed",
           "observed_receipt_clock", "variant"]
