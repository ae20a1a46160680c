"""Diagrams generated from the model, so they cannot drift from it.

Pipeline: extract (model or explored graph -> :mod:`.ir` dataclasses) -> text renderers
(:mod:`.dot`, :mod:`.mermaid`) -> pictures (:mod:`.render`, graphviz ``dot`` under a timeout).

* :mod:`.statechart`  each party's statechart, variants compared;
* :mod:`.flow`        the docs' "declining order cancellation" flow, derived from the model;
* :mod:`.joint`       the explored joint graph with bad states coloured (capped);
* :mod:`.sequence`    any JSON-lines trace as a sequence diagram.
"""
