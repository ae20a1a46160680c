"""VTEX order-management known issues and what the model does with each.

Every known issue of the reference's list (REF §5, tags KI-nnn in REF §0) that touches the
marketplace × seller status space is either *reproduced* -- a scenario under ``scenarios/``
replays into its symptom and a finding of the checker (variant, delivery mode, property)
exposes it with a shortest trace -- or *outside* the model, with the one sentence why.  The
table in ``docs/vtex-model.md`` and the README follow this list; ``tests/test_known_issues.py``
replays every scenario and pins every finding's trace length.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Reproduction:
    """A scenario that replays into the symptom, and the finding that exposes it."""

    scenario: str  # file name under model/vtex/scenarios/
    variant: str
    delivery: str
    property: str
    finding: str  # the finding's title
    trace_length: int  # steps of the finding's shortest trace


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownIssue:
    ref: str  # internalReference
    title: str
    symptom: str  # the joint status the issue reports, as (marketplace, seller) when known
    reproduced: tuple[Reproduction, ...] = ()
    outside: str = ""  # why the model cannot show it (one sentence), if not reproduced


CATALOGUE: tuple[KnownIssue, ...] = (
    KnownIssue(
        ref="1004978", title="Order stuck at seller status cancellation-request-denied-ffm",
        symptom="marketplace request-cancel (or invoiced), seller cancellation-request-denied-ffm",
        reproduced=(
            Reproduction(scenario="ki-1004978.jsonl", variant="observed", delivery="fifo",
                         property="no-deadlock",
                         finding="deadlock: marketplace request-cancel, seller "
                                 "cancellation-request-denied-ffm", trace_length=15),
            Reproduction(scenario="ki-1004978-invoiced.jsonl", variant="observed",
                         delivery="fifo",
                         property="no-marketplace-invoiced-during-seller-cancellation",
                         finding="no-marketplace-invoiced-during-seller-cancellation violated",
                         trace_length=15),
        )),
    KnownIssue(
        ref="1400005", title="Orders stuck in request-cancel on marketplace when seller invoices "
                             "at the same time",
        symptom="marketplace request-cancel, seller invoiced",
        reproduced=(
            Reproduction(scenario="ki-1400005.jsonl", variant="observed", delivery="fifo",
                         property="no-deadlock",
                         finding="deadlock: marketplace request-cancel, seller invoiced",
                         trace_length=16),
        )),
    KnownIssue(
        ref="1372902", title="Orders that fail to reach the invoiced status even after the "
                             "invoice has been correctly entered",
        symptom="marketplace payment-approved, seller invoiced",
        reproduced=(
            Reproduction(scenario="ki-1372902.jsonl", variant="documented", delivery="lossy",
                         property="can-always-finish",
                         finding="doomed: marketplace payment-approved, seller invoiced",
                         trace_length=14),
        )),
    KnownIssue(
        ref="1198719", title="Orders stuck in cancel status in fulfillment, but with Marketplace "
                             "canceled",
        symptom="marketplace canceled, seller cancel",
        outside="The seller's cancel fails on an internal inconsistency of its payment "
                "cancellation; the model's `cancel` always completes once Payments answers "
                "(OFS; REF C9), so no message ordering leads there."),
    KnownIssue(
        ref="1242813", title="Delay in canceling the order in Marketplace",
        symptom="marketplace cancel/canceled flipping; two canceled notifications",
        outside="The delay is the seller-cancellation message in flight, present in every "
                "cancel trace; the canceled -> cancel flip is an unlocked write inside one "
                "account, below the status model."),
    KnownIssue(
        ref="1089344", title="Orders with a Creation Error remain stuck in a cancel status",
        symptom="status cancel, Marketplace instance at end, Fulfillment at cancel",
        outside="Creation errors (`order-create-error`, `order-creation-error`) happen before "
                "the two orders exchange messages; known statuses outside the modelled flow "
                "(`statuses.KNOWN_OUTSIDE_FLOW`)."),
    KnownIssue(
        ref="656815", title="Orders with change sellers executed is not respecting the "
                            "cancellation grace period",
        symptom="customer cancels after the window of a changed-seller order",
        outside="A seller change creates a new seller order (CHSELL), a third party the "
                "two-party model does not have; the window of the new order is not modelled."),
    KnownIssue(
        ref="376646", title="Seller's order invoiced with problem in the payment capture",
        symptom="marketplace invoice (Verifying invoice), seller invoiced",
        outside="The settlement failure is a Payments outcome inside the marketplace account "
                "that no status shows except staying in `invoice` (OFS: 'there may have been a "
                "problem settling the payment'); the model's `invoice` is automatic and "
                "always settles."),
    KnownIssue(
        ref="345526", title="The fulfillment order flow progresses although the marketplace order "
                            "is incomplete (isCompleted false)",
        symptom="seller progresses, marketplace incomplete",
        outside="`isCompleted` is an order flag, not a status; the model's marketplace is "
                "complete when it places the seller order (REF N1)."),
    KnownIssue(
        ref="1031035", title="Order stuck in payment-pending due to missing payment-approved "
                             "notification",
        symptom="marketplace payment-pending",
        outside="The lost notification is the gateway's callback to the marketplace, not a "
                "message between the two orders; the model's gateway is an automatic step."),
    KnownIssue(
        ref="1218606", title="Orders stuck in start-handling status",
        symptom="seller start-handling",
        outside="A workflow desynchronization inside the seller account stops an automatic "
                "step; the model's automatic steps always run (strong fairness)."),
    KnownIssue(
        ref="1218615", title="Orders stuck in on-order-completed in fulfillment or approve-payment "
                             "in marketplace",
        symptom="seller on-order-completed-ffm, or marketplace approve-payment",
        outside="Same as 1218606: an automatic step that never runs inside one account."),
    KnownIssue(
        ref="1465447", title="Order stuck in an intermediate workflow status due to a workflow "
                             "desynchronization",
        symptom="an automatic status (e.g. authorize-fulfillment)",
        outside="Same as 1218606: an automatic step that never runs inside one account."),
    KnownIssue(
        ref="1249934", title="Inconsistency in displaying the origin of order cancellations in "
                             "the Get orders API",
        symptom="cancellationData flags overwritten",
        outside="`cancellationData` origin flags are order data, not statuses."),
    KnownIssue(
        ref="792650", title="Delay to register cancelReason in the order JSON",
        symptom="cancelReason written late", outside="`cancelReason` is order data, not a "
                                                     "status."),
    KnownIssue(
        ref="640925", title="Seller-1 orders have no FromOrders hook notification for "
                            "payment-approved",
        symptom="missing hook event", outside="Feed/hook delivery to a consumer is the "
                                              "observation layer, not the two orders' protocol."),
    KnownIssue(
        ref="832400", title="Feed/hook indexing skips events in FromOrders filters",
        symptom="missing feed events", outside="Feed/hook delivery to a consumer is the "
                                               "observation layer, not the two orders' protocol."),
    KnownIssue(
        ref="1350055", title="Order status exported in Portuguese (statusDescription)",
        symptom="display text", outside="Display names are not status ids; the model uses ids."),
)
