"""The documents the VTEX model cites, by tag.

Tags and section names follow ``vtex-order-workflow-reference.md`` §0 (the research
reference kept beside this project in ``shared/domain``).  Every transition of the model
carries one of these tags plus a section, so reports and diagrams can say who says so.
"""

SOURCES: dict[str, str] = {
    "DCL": "Help Center, 'Declining order cancellation' "
    "(help.vtex.com/en/tutorial/declining-order-cancelation--F2n0h1TeQ5td540Gjyff4)",
    "OCI": "Dev Portal, 'Order canceling improvements' "
    "(developers.vtex.com/docs/guides/order-canceling-improvements)",
    "OFS": "Help Center, 'Order flow and status' (tutorials_196)",
    "HTC": "Help Center, 'How to cancel orders' (tutorials_186)",
    "TRKCAN": "Help track, 'Canceling an order'",
    "GRACE": "Help Center, 'Setting the grace period for order cancellation'",
    "CHSELL": "Dev Portal, 'Change seller'",
    "API": "vtex/openapi-schemas, 'VTEX - Orders API.json'",
    "CUST": "Help Center, 'Order cancellation requested by the customer'",
    "OVW": "Dev Portal, 'Orders' overview (order-flow diagrams, as in OFS)",
    "TRKFLOW": "Help track, 'Order flow'",
    "EXTFF": "vtex/openapi-schemas, 'VTEX - Marketplace Protocol - External Seller "
    "Fulfillment.json'",
    "REF": "ordercheck research reference, vtex-order-workflow-reference.md",
    "KI-1004978": "Known issue 1004978, 'Order stuck at seller status "
    "cancellation-request-denied-ffm'",
    "KI-1198719": "Known issue 1198719, 'Orders stuck in cancel status in fulfillment, but "
    "with Marketplace canceled'",
    "KI-376646": "Known issue 376646, 'Seller's order invoiced with problem in the payment "
    "capture'",
    "KI-656815": "Known issue 656815, 'Orders with change sellers executed is not respecting "
    "the cancellation grace period'",
    "KI-1400005": "Known issue 1400005, 'Orders stuck in request-cancel on marketplace when "
    "seller invoices at the same time (cancel vs invoice race condition)'",
}
