"""Conformance testing of other implementations against a model.

``adapter``  the interface an implementation under test offers (Python, process, HTTP);
``session``  drives one order and tracks the set of model states consistent with what was
             seen (observation may be partial: statuses only);
``tour``     systematic suites: one shortest case per model transition, and coverage;
``vectors``  language-neutral test vectors (JSON lines) with must-reject commands;
``stateful`` Hypothesis stateful testing generated from the model.
"""
