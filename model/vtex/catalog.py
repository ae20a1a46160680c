"""How ordercheck finds the VTEX model: its variants, the main job, and what its diagrams need.

Registered in pyproject.toml under the ``ordercheck.models`` entry points, so the CLI, the
report job and the diagrams know the VTEX model only through this record.
"""

from __future__ import annotations

from pathlib import Path

from ordercheck.checks.catalog import FlowRoles, HttpBinding, ModelEntry, Scenario

SCENARIOS = Path(__file__).resolve().parent / "scenarios"

#: VTEX-like Orders endpoints (OMS API: cancel, start-handling, invoice; the deny endpoint of
#: the declining-cancellation article), for implementations driven over HTTP.
HTTP = HttpBinding(
    parties=("marketplace", "seller"),
    routes={
        ("marketplace", "shopper_cancels"): ("/marketplace/api/oms/pvt/orders/{id}/cancel",
                                             {"reason": "shopper", "requestedByUser": True}),
        ("marketplace", "care_cancels"): ("/marketplace/api/oms/pvt/orders/{id}/cancel",
                                          {"reason": "customer care",
                                           "requestedByUser": False}),
        ("seller", "cancel"): ("/seller/api/oms/pvt/orders/{id}/cancel", {"reason": "seller"}),
        ("seller", "begin_handling"): ("/seller/api/oms/pvt/orders/{id}/start-handling", {}),
        ("seller", "invoice"): ("/seller/api/oms/pvt/orders/{id}/invoice",
                                {"type": "Output", "invoiceNumber": "1",
                                 "invoiceValue": 1000}),
        ("seller", "decline"): (
            "/seller/api/orders/pvt/document/{id}/deny-cancellation-request",
            {"cancellationRequestId": "current", "denyReason": "made to order"}),
    },
    timers=frozenset({"window_elapsed", "decision_timeout", "authorization_timeout",
                      "change_seller_window_elapsed"}),
)

ENTRY = ModelEntry(
    name="vtex",
    module="ordercheck.model.vtex",
    variants=("documented", "observed", "documented_receipt_clock", "observed_receipt_clock"),
    default_variant="documented",
    report_variants=("documented", "observed"),
    parties=("marketplace", "seller"),
    compare=("documented", "observed"),
    # the docs' "declining order cancellation" diagram (OCI deny_cancel_request.png; DCL)
    flow=FlowRoles(requester="shopper", first="marketplace", second="seller",
                   automatic="platform",
                   lanes=(("shopper", "Shopper"),
                          ("marketplace", "Marketplace and customer care service"),
                          ("seller", "Seller"))),
    sequence_variants=("observed",),
    http=HTTP,
    # the platform as it behaves, known issues included, so their orders come out doomed
    log_variant="observed",
    status_classifier="ordercheck.model.vtex.statuses:classify",
    actor_colors={"shopper": "#1f77b4", "customer-care": "#17becf", "seller": "#2ca02c",
                  "platform": "#555555"},
    scenarios=(Scenario(name="sequence-ki-1004978", path=SCENARIOS / "ki-1004978.jsonl",
                        title="KI-1004978 simulation: marketplace stuck at request-cancel"),),
)
