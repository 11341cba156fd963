"""`python -m benchmarks` fails a run that misses a target; a quick (CI) run does not, but it
still fails when a benchmark breaks; the long national benchmark runs only when named."""

from __future__ import annotations

import sys
import types

import pytest

from benchmarks import __main__ as runner
from benchmarks import common


@pytest.fixture
def fake_bench(monkeypatch: pytest.MonkeyPatch):
    """One fake benchmark module in place of the real list; returns the calls it saw."""
    calls: list[str] = []
    monkeypatch.setattr(common, "MISSED", [])
    monkeypatch.setattr(common, "RESULTS", [])
    monkeypatch.setattr(runner, "module_names", lambda: ["bench_fake"])

    def install(body) -> list[str]:  # type: ignore[no-untyped-def]
        module = types.ModuleType("benchmarks.bench_fake")
        module.main = lambda: (calls.append("ran"), body())  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "benchmarks.bench_fake", module)
        return calls

    return install


def _slow() -> None:  # 100 ms against a target of 16 ms, and 5x a baseline allowed 2x
    common.report("fake screen", 0.100, "bare", 0.020, "one frame", max_ms=16)
    common.report("fake bulk", 0.100, "bare", 0.020, "<= 2x", max_ratio=2)


def _fast() -> None:
    common.report("fake screen", 0.010, "bare", 0.008, "one frame", max_ms=16, max_ratio=2)
    common.check("fake memory", 90, 100, "MiB")


def test_a_missed_target_fails_the_run(fake_bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "QUICK", False)
    calls = fake_bench(_slow)
    assert runner.main([]) == 1
    assert calls == ["ran"]
    assert len(common.MISSED) == 2


def test_met_targets_pass(fake_bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "QUICK", False)
    fake_bench(_fast)
    assert runner.main([]) == 0
    assert common.MISSED == []
    assert [r["missed"] for r in common.RESULTS] == [False]


def test_a_missed_absolute_check_fails_the_run(fake_bench, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(common, "QUICK", False)
    fake_bench(lambda: common.check("fake memory", 120, 100, "MiB"))
    assert runner.main([]) == 1


def test_quick_mode_runs_but_does_not_enforce(fake_bench, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(common, "QUICK", True)
    calls = fake_bench(_slow)
    assert runner.main([]) == 0
    assert calls == ["ran"]


def test_a_broken_benchmark_fails_even_a_quick_run(fake_bench, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(common, "QUICK", True)

    def broken() -> None:
        raise RuntimeError("the benchmark rotted")

    fake_bench(broken)
    assert runner.main([]) == 1


def test_the_long_national_benchmark_runs_only_when_named_or_quick() -> None:
    names = runner.module_names()
    assert "bench_registry_national" in names and "bench_growth" in names
    full = runner.chosen(names, [], quick=False)
    assert "bench_registry_national" not in full
    assert "bench_growth" in full and "bench_startup" in full
    assert runner.chosen(names, [], quick=True) == names
    assert runner.chosen(names, ["national"], quick=False) == ["bench_registry_national"]


def test_issue_targets_apply_to_figures_whose_benchmark_names_none(fake_bench, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(common, "QUICK", False)

    def figures() -> None:
        # 20 ms for the circuit: within its old "< 100 ms", over the issue's one frame
        common.report("circuit shown (16 x 10)", 0.020, "one SELECT", 0.001, "< 100 ms")
        # an upload 1.4x a bare dump: within the issue's 1.5x
        common.report("export csv (large demo, both files)", 0.140, "dump", 0.100, "<= 3x")
        # a limit given by the benchmark itself wins over the table
        common.report("cell saved (model -> service)", 0.008, "raw", 0.001, "", max_ms=10)

    fake_bench(figures)
    assert runner.main([]) == 1
    assert [r["missed"] for r in common.RESULTS] == [True, False, False]
    assert len(common.MISSED) == 1 and common.MISSED[0].startswith("circuit shown")


def test_every_issue_target_is_a_limit() -> None:
    for name, limits in common.TARGETS.items():
        assert limits and set(limits) <= {"max_ratio", "max_ms"}, name
        assert common.target_for(name) == limits
    assert common.target_for("circuit shown at 16x history") == {}
