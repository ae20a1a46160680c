"""``ordercheck logs --engine dask``: orders partitioned by their joint id's hash over a Dask
cluster (a LocalCluster of two worker processes here), the same report byte for byte as the
default engine on a model-generated log, in every format, late records included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from ordercheck.checks.logs.dask_engine import partition_of
from tests.logs_helpers import run
from tests.test_logs_generated import GEN_NOW_ISO, generate


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "gen.jsonl"
    generate(path, 3000, seed=11)
    return path


@pytest.mark.parametrize("fmt", ["json", "text", "csv", "markdown"])
def test_dask_report_equals_default_engine(scheduler: str, log: Path, fmt: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(log), "--now", GEN_NOW_ISO, "--format", fmt]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (1, "")
    assert run(capsys, *argv, "--engine", "dask", "--scheduler", scheduler) == (1, out, "")


def test_dask_equal_with_releases_and_late_records(scheduler: str, log: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A small --settle releases orders mid-stream (judged at the clock of their release)
    and counts some records late: the driver groups exactly as the default engine does."""
    argv = [str(log), "--settle", "40", "--format", "json"]
    code, out, _ = run(capsys, *argv)
    assert code == 1 and '"late": 0,' not in out
    assert run(capsys, *argv, "--engine", "dask", "--scheduler", scheduler) == (1, out, "")


def test_dask_out_folder_equals_default_engine(scheduler: str, log: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    # every format, the HTML page included (20 diagrams: graphviz is the slow part)
    argv = [str(log), "--now", GEN_NOW_ISO, "--diagrams", "20"]
    assert run(capsys, *argv, "--out", str(a))[0] == 1
    assert run(capsys, *argv, "--out", str(b), "--engine", "dask", "--scheduler", scheduler
               )[0] == 1
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert "diagrams drawn for the first 20 of 720 orders" in (a / "report.html").read_text()
    assert len(files) == 5 + 720
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_own_local_cluster(log: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    """Without --scheduler the run starts (and stops) a local cluster of --workers."""
    argv = [str(log), "--now", GEN_NOW_ISO, "--format", "csv"]
    code, out, _ = run(capsys, *argv)
    assert run(capsys, *argv, "--engine", "dask", "--workers", "2") == (code, out, "")


def test_partition_is_a_stable_hash_of_the_joint_id() -> None:
    # CRC-32, not hash(): the same partition in every process, whatever PYTHONHASHSEED
    assert [partition_of(o, 2) for o in ("1000000000001-01", "1000000000003-01")] == [1, 0]
    assert partition_of("1000000000001-01", 7) == 4


def test_dask_usage_errors(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(log), "--scheduler", "tcp://127.0.0.1:1")
    assert (code, out) == (2, "")
    assert err == "ordercheck: error: --scheduler: only with --engine dask\n"
    code, out, err = run(capsys, str(log), "--engine", "dask", "--workers", "0")
    assert (code, out, err) == (2, "", "ordercheck: error: --workers 0: must be at least 1\n")
