"""The result cache can't be stale: every input of a result is in its key (issue 10 item 2).

Each test changes one kind of input a check depends on and requires a cache *miss* (and the
new verdict), or proves that an unchanged model *hits*.  Models are written to ``tmp_path``;
between two runs the modules loaded from there are forgotten, as a new ``ordercheck`` process
would (and bytecode is not cached, so an edit within the same second is seen).
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ordercheck.model.vtex as vtex_package
from ordercheck.checks import fingerprint as fp
from ordercheck.checks.cli import main

HIT, NOT_CACHED = "ordercheck: cache hit", "ordercheck: not cached:"

MODEL = '''
from pathlib import Path
{header}

from statemachine import State, StateChart

from ordercheck.checks.properties import Sometimes
from ordercheck.checks.protocol import Party, Workflow, transition

LIMIT = {limit}
DATA = int(Path(__file__).with_name("data.txt").read_text())  # a value not in any source


def ready(v):
    return {ready}


class A(StateChart):
    catch_errors_as_events = False
    validate_trap_states = False
    validate_final_reachability = False
    idle = State(value="idle", initial=True)
    done = State(value="done", final=True)
    stuck = State(value="stuck")
    go = transition(idle.to(done, cond="can_go"), actor="a", cite="t")
    jam = transition(idle.to(stuck, cond="can_jam"), actor="a", cite="t")


def _jam(threshold):
    def can_jam(v):
        return threshold > 1
    return can_jam


def workflow():
    return Workflow(name="toy", parties=(Party(name="a", chart=A),),
                    guards={{"can_go": lambda v: ready(v) and LIMIT > 0 and DATA > 0,
                             "can_jam": _jam({cell})}},
                    properties=(Sometimes(name="can-end", description="a ends",
                                          holds=lambda v: v["a"] == "done"),))
'''

#: The model as written above passes; each entry breaks it through one kind of input.
OK_MODEL = {"header": "", "limit": "1", "ready": "True", "cell": "1"}


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """Run the CLI as a new process would: modules from tmp_path are imported again."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache = tmp_path / "cache"

    def run(*args: str) -> tuple[int, str, str]:
        for name, mod in list(sys.modules.items()):
            if str(getattr(mod, "__file__", "") or "").startswith(str(tmp_path)):
                del sys.modules[name]
        importlib.invalidate_caches()
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        try:
            code = main(["check", *args, "--cache-dir", str(cache)])
            return code, sys.stdout.getvalue(), sys.stderr.getvalue()
        finally:
            sys.stdout, sys.stderr = out, err

    return run


def write_model(tmp_path: Path, data: str = "1", **changes: str) -> str:
    (tmp_path / "data.txt").write_text(data)
    (tmp_path / "m.py").write_text(MODEL.format(**{**OK_MODEL, **changes}))
    return f"{tmp_path / 'm.py'}:workflow"


def test_unchanged_model_hits(tmp_path, fresh):
    spec = write_model(tmp_path)
    first = fresh("--model", spec)
    assert first[0] == 0 and HIT not in first[2] and NOT_CACHED not in first[2]
    second = fresh("--model", spec)
    assert second[0] == 0 and HIT in second[2]
    assert second[1] == first[1]


@pytest.mark.parametrize("change", [
    {"limit": "0"},  # a module constant a guard reads
    {"cell": "2"},  # a closure cell of a guard
    {"ready": "False"},  # a helper function a guard calls
    {"data": "0"},  # a module constant computed at import from a data file (in no source)
], ids=["module-constant", "closure-cell", "helper-function", "value-not-in-source"])
def test_a_changed_input_of_a_guard_is_a_miss(tmp_path, fresh, change):
    spec = write_model(tmp_path)
    assert fresh("--model", spec)[0] == 0
    assert fresh("--model", spec)[2].startswith(HIT)
    spec = write_model(tmp_path, **change)
    code, out, err = fresh("--model", spec)
    assert (code, HIT in err) == (1, False)
    assert "verdict: VIOLATED" in out


def test_a_changed_sibling_helper_module_is_a_miss(tmp_path, fresh, monkeypatch):
    (tmp_path / "helpers.py").write_text("def ready(v):\n    return True\n")
    write_model(tmp_path, header="import helpers", ready="helpers.ready(v)")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert fresh("--model", "m:workflow")[0] == 0
    assert fresh("--model", "m:workflow")[2].startswith(HIT)
    (tmp_path / "helpers.py").write_text("def ready(v):\n    return False\n")
    code, _, err = fresh("--model", "m:workflow")
    assert (code, HIT in err) == (1, False)


def test_a_changed_property_set_in_a_copied_vtex_model_is_a_miss(tmp_path, fresh):
    copy = tmp_path / "vtexcopy"
    shutil.copytree(Path(vtex_package.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    spec = f"{copy}:observed"
    code, out, err = fresh("--model", spec)
    assert code == 1 and "no-marketplace-invoiced-during-seller-cancellation violated" in out
    assert fresh("--model", spec)[2].startswith(HIT)
    props = copy / "properties.py"
    text = props.read_text()
    assert '"cancellation-request-denied-ffm", "cancel",' in text
    props.write_text(text.replace('"cancellation-request-denied-ffm", "cancel",', '"cancel",'))
    code, out, err = fresh("--model", spec)
    assert (code, HIT in err) == (1, False)
    assert "no-marketplace-invoiced-during-seller-cancellation" not in out


@pytest.mark.parametrize("option", [
    ["--delivery", "unordered"], ["--capacity", "3"], ["--max-states", "1000"],
    ["--max-depth", "50"], ["--fail-on", "warning"], ["--variant", "observed"]])
def test_every_option_is_in_the_key(tmp_path, fresh, option):
    spec = write_model(tmp_path)
    assert fresh("--model", spec)[0] == 0
    assert HIT not in fresh("--model", spec, *option)[2]
    assert fresh("--model", spec, *option)[2].startswith(HIT)


def test_output_only_options_share_an_entry(tmp_path, fresh):
    spec = write_model(tmp_path)
    fresh("--model", spec)
    code, out, err = fresh("--model", spec, "--format", "json", "--out", str(tmp_path / "o"))
    assert (code, err.startswith(HIT)) == (0, True)
    assert json.loads(out)["verdict"] == "OK"


def test_ordercheck_own_code_is_in_the_key(tmp_path, fresh, monkeypatch):
    spec = write_model(tmp_path)
    fresh("--model", spec)
    assert fresh("--model", spec)[2].startswith(HIT)
    monkeypatch.setattr(fp, "code_version", lambda: "an edited engine")
    assert HIT not in fresh("--model", spec)[2]


def test_code_version_hashes_the_installed_engine_files():
    root = Path(fp.__file__).parent
    assert (root / "explore.py").is_file()
    version = fp.code_version()
    assert len(version) == 64 and version == fp.code_version()
    # not a hand-bumped string: a hash over the package's files, so it differs from a hash of
    # any single one of them
    assert version not in {fp.hashlib.sha256(p.read_bytes()).hexdigest()
                           for p in root.glob("*.py")}


def test_values_are_hashed_not_only_sources(tmp_path, fresh):
    """In memory, with every source unchanged: a guard's global, a closure cell, a helper."""
    from ordercheck.checks.cli import resolve_model
    from ordercheck.checks.system import TransitionSystem

    spec = write_model(tmp_path)
    fresh("--model", spec)  # loads the model
    module = next(m for m in sys.modules.values()
                  if getattr(m, "__file__", None) == str(tmp_path / "m.py"))
    roots = fp.spec_modules(spec)

    def key() -> str:
        return fp.fingerprint(TransitionSystem(resolve_model(spec)), roots=roots)

    base = key()
    assert key() == base
    module.LIMIT = 7
    assert key() != base
    module.LIMIT = 1
    assert key() == base
    workflow = resolve_model(spec)
    cell = workflow.guards["can_jam"].__closure__[0]
    assert cell.cell_contents == 1
    with_cell = fp.fingerprint(TransitionSystem(workflow), roots=roots)
    cell.cell_contents = 0
    assert fp.fingerprint(TransitionSystem(workflow), roots=roots) != with_cell
    module.ready.__code__ = (lambda v: False).__code__
    assert key() != base


def test_a_value_without_canonical_encoding_is_not_cached(tmp_path, fresh):
    spec = write_model(tmp_path, limit="1\nclass Opaque:\n    pass\nTOKEN = Opaque()",
                       ready="TOKEN is not None")
    code, _, err = fresh("--model", spec)
    assert code == 0
    assert err.startswith(NOT_CACHED)
    assert "global TOKEN: a " in err and "Opaque value has no canonical encoding" in err
    assert HIT not in fresh("--model", spec)[2]
    assert not list((tmp_path / "cache").glob("*.json"))


def test_a_module_loaded_by_name_at_run_time_is_not_cached(tmp_path, fresh):
    spec = write_model(tmp_path, ready="__import__('importlib').import_module('json') is not None")
    code, _, err = fresh("--model", spec)
    assert code == 0
    assert err.startswith(f"{NOT_CACHED} {tmp_path / 'm.py'}:")
    assert "loads a module named at run time (import_module)" in err


def test_a_source_edited_after_import_in_the_same_process_is_not_cached(tmp_path,
                                                                        monkeypatch):
    """A long-lived process (pytest, a notebook) keeps running the code it imported."""
    from ordercheck.checks.system import TransitionSystem

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    write_model(tmp_path)
    spec = importlib.util.spec_from_file_location("_edited_model", tmp_path / "m.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "_edited_model", module)
    spec.loader.exec_module(module)
    system = TransitionSystem(module.workflow())
    assert len(fp.fingerprint(system, roots=["_edited_model"])) == 64
    (tmp_path / "m.py").write_text(MODEL.format(**{**OK_MODEL, "limit": "0"}))
    with pytest.raises(fp.Uncacheable) as refused:
        fp.fingerprint(system, roots=["_edited_model"])
    assert str(refused.value) == (f"{tmp_path / 'm.py'} changed after this process imported "
                                  "it; the loaded code is not the file's")


@pytest.mark.parametrize("entry", [
    "{not json", "[]", "null", '{"verdict": "OK"}', "[" * 100_000 + "]" * 100_000,
    "\udcff", "VALID:verdict=MAYBE", "VALID:trace=../../escape.jsonl",
    "VALID:trace=x.jsonl:5", "DIRECTORY"],
    ids=["not-json", "a-list", "null", "incomplete", "deep-nesting", "not-utf8",
         "unknown-verdict", "trace-name-escapes", "trace-not-text", "a-directory"])
def test_a_corrupt_entry_is_a_miss(tmp_path, fresh, entry):
    spec = write_model(tmp_path)
    first = fresh("--model", spec)
    [path] = (tmp_path / "cache").glob("*.json")
    good = json.loads(path.read_text())
    if entry.startswith("VALID:"):
        field, _, value = entry[6:].partition("=")
        if field == "verdict":
            good["verdict"] = value
        else:
            name, _, text = value.partition(":")
            good["traces"] = {name: int(text) if text else "{}\n"}
        path.write_text(json.dumps(good))
    elif entry == "DIRECTORY":
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(entry.encode("utf-8", "surrogateescape"))
    code, out, err = fresh("--model", spec)
    assert (code, out, HIT in err) == (0, first[1], False)
    assert not (tmp_path / "escape.jsonl").exists()


def test_an_unwritable_cache_still_checks(tmp_path, fresh, monkeypatch):
    spec = write_model(tmp_path)
    (tmp_path / "cache").write_text("a file where the cache directory should be")
    code, out, err = fresh("--model", spec)
    assert (code, err) == (0, "")
    assert "verdict: OK" in out


def test_the_key_does_not_depend_on_the_process(tmp_path):
    """CI restores the cache in a new process: string hashing order must not change the key."""
    script = ("from ordercheck.checks import fingerprint as fp\n"
              "from ordercheck.checks.cli import resolve_model\n"
              "from ordercheck.checks.system import TransitionSystem\n"
              "s = 'ordercheck.model.vtex:observed'\n"
              "print(fp.fingerprint(TransitionSystem(resolve_model(s)),\n"
              "                     roots=fp.spec_modules(s)))\n")
    keys = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert len(keys) == 1 and len(keys.pop().strip()) == 64
