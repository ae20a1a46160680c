"""``ordercheck describe``: the adapter author's manual, derived from the model."""

from __future__ import annotations

import json

from ordercheck.checks.cli import main


def test_describe_json_lists_commands_statuses_and_reset(capsys):
    assert main(["describe", "--format", "json"]) == 0
    manual = json.loads(capsys.readouterr().out)
    assert manual["parties"] == ["marketplace", "seller"]
    assert manual["automatic"] == ["platform"]
    assert manual["initial"] == {"marketplace": "order-created", "seller": "null"}
    assert manual["reset_must_show"] == [{"marketplace": "waiting-for-authorization",
                                          "seller": "null"}]
    by_name = {(c["party"], c.get("event") or c["message"]): c for c in manual["commands"]}
    assert len(by_name) == 31
    decline = by_name[("seller", "decline")]
    assert (decline["actor"], decline["must"], decline["automatic"], decline["from"]) == (
        "seller", True, False, ["cancellation-requested"])
    assert by_name[("seller", "authorization_timeout")]["must"] is False  # a "may"
    assert by_name[("marketplace", "gateway_approves")]["automatic"] is True
    # a message in flight must be deliverable, whatever the receiver's transition
    assert by_name[("marketplace", "cancellation-request-received")]["must"] is True
    assert len(manual["messages"]) == 9
    assert manual["coverage_targets"] == 104


def test_describe_text_names_the_adapter_contract(capsys):
    assert main(["describe"]) == 0
    out = capsys.readouterr().out
    assert "reset() must show (after settle): {marketplace: waiting-for-authorization, " \
           "seller: null}" in out
    assert "  seller       fire     decline                          seller    must  from " \
           "cancellation-requested" in out
    assert "def send(self, command: Command) -> bool:" in out


def test_describe_with_single_automatic_events(capsys):
    """A platform step exposed as a command (the gateway) is left out of automatic."""
    platform = ("marketplace.complete_checkout,marketplace.ask_seller,"
                "marketplace.settle_approval,marketplace.settle_invoice,"
                "marketplace.payment_canceled,seller.confirm_order,seller.await_authorization,"
                "seller.open_window,seller.handling_started,seller.payment_canceled")
    assert main(["describe", "--format", "json", "--automatic", platform]) == 0
    manual = json.loads(capsys.readouterr().out)
    by_name = {(c["party"], c.get("event") or c["message"]): c for c in manual["commands"]}
    assert by_name[("marketplace", "gateway_approves")]["automatic"] is False
    assert manual["reset_must_show"] == [{"marketplace": "waiting-for-authorization",
                                          "seller": "null"}]


def test_describe_refuses_an_unknown_automatic_name(capsys):
    assert main(["describe", "--automatic", "platform,robot"]) == 2
    assert capsys.readouterr().err == ("ordercheck: error: --automatic: robot is neither an "
                                       "actor nor a party.event of vtex-documented\n")
