"""JUnit XML for CI: one testcase per property (built-ins included, from the one registry);
failures are the findings that fail the run (``--fail-on``), with their traces."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from . import report as rep
from .analyses import BUILTIN_PROPERTIES
from .properties import kind_of


def render(result: rep.CheckResult) -> str:
    props = list(BUILTIN_PROPERTIES.items())
    props += [(p.name, kind_of(p)) for p in result.graph.system.workflow.properties]
    suite = ET.Element("testsuite", name=f"ordercheck.{result.model}.{result.delivery}")
    failures = skipped = 0
    parties = result.graph.system.parties
    for name, kind in props:
        case = ET.SubElement(suite, "testcase", classname=f"ordercheck.{result.model}",
                             name=name)
        bad = [f for f in result.failing if f.property == name]
        if bad:
            failures += 1
            failure = ET.SubElement(case, "failure", type=kind,
                                    message="; ".join(f.title for f in bad))
            failure.text = "\n\n".join(
                f"{f.title}\n{f.detail}\n"
                + (rep.trace_table(result.trace(f), parties) if f.path else "")
                for f in bad)
        elif not result.graph.complete:
            skipped += 1
            ET.SubElement(case, "skipped",
                          message=f"UNKNOWN: bound hit ({', '.join(result.graph.bounds_hit)})")
    suite.set("tests", str(len(props)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
