"""ordercheck's engine: compile a workflow, explore it, analyse it, render the findings.

The public names are re-exported here, so users write ``from ordercheck.checks import
Workflow, TransitionSystem, explore, analyse`` and never depend on a module layout::

    ts = TransitionSystem(workflow, delivery="unordered")
    graph = explore(ts, max_states=100_000)
    for finding in analyse(graph, workflow.properties).findings:
        print(finding.severity, finding.title)

The engine never imports a concrete model (``ordercheck.model``); models come in as
:class:`Workflow` records.
"""

from .analyses import BUILTINS, Analysis, analyse
from .codec import StateCodec
from .delivery import Delivery
from .explore import EXPLORERS, Bounds, BreadthFirst, Explorable, Explorer, StateGraph, explore
from .findings import Blame, Finding, FindingKind, InFlight, Severity, Wait, WaitKind
from .properties import (
    Always,
    AlwaysStep,
    Instance,
    JointView,
    LeadsTo,
    NeverAfter,
    Property,
    Registry,
    Sometimes,
    SometimesStep,
    StepView,
    project,
)
from .protocol import (
    InvalidModel,
    Message,
    Party,
    StatusView,
    Timer,
    Workflow,
    reads_messages,
    transient,
    transition,
)
from .report import CheckResult, Verdict
from .system import Action, TransitionSystem

__all__ = [
    "BUILTINS",
    "EXPLORERS",
    "Action",
    "Always",
    "AlwaysStep",
    "Analysis",
    "Blame",
    "Bounds",
    "BreadthFirst",
    "CheckResult",
    "Delivery",
    "Explorable",
    "Explorer",
    "Finding",
    "FindingKind",
    "InFlight",
    "Instance",
    "InvalidModel",
    "JointView",
    "LeadsTo",
    "Message",
    "NeverAfter",
    "Party",
    "Property",
    "Registry",
    "Severity",
    "Sometimes",
    "SometimesStep",
    "StateCodec",
    "StateGraph",
    "StatusView",
    "StepView",
    "Timer",
    "TransitionSystem",
    "Verdict",
    "Wait",
    "WaitKind",
    "Workflow",
    "analyse",
    "explore",
    "project",
    "reads_messages",
    "transient",
    "transition",
]
