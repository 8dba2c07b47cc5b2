"""The bench runner's plumbing (table + JSON), on an in-memory benchmark. Never speed."""

import json

from typer.testing import CliRunner

from bench.common import measure, percentile
from bench.runner import main
from tourflow.cli import app

REGISTRY = {
    "tiny": "tests.support.bench_tiny",
    "broken": "tests.support.bench_broken",
    "clash": "tests.support.bench_clash",
    "missing": "tests.support.no_such_bench_module",
    "slow": "tests.support.bench_slow",
}


def test_a_quick_run_prints_one_table_and_writes_json(tmp_path, capsys):
    code = main(["tiny", "--quick", "--results-dir", str(tmp_path)], registry=REGISTRY)
    out = capsys.readouterr().out
    assert code == 0
    assert "tourflow bench" in out and "tiny sort" in out and "heapq.nsmallest" in out
    one = json.loads((tmp_path / "tiny.json").read_text())
    assert (one["benchmark"], one["quick"], one["error"]) == ("tiny", True, None)
    [metric] = one["metrics"]
    assert metric["name"] == "tiny sort" and metric["unit"] == "items/s"
    assert metric["repeats"] == 2
    assert metric["tourflow_min"] <= metric["tourflow"] <= metric["tourflow_max"]
    assert metric["baseline_min"] <= metric["baseline"] <= metric["baseline_max"]
    assert metric["ratio"] == metric["tourflow"] / metric["baseline"]
    suite = json.loads((tmp_path / "latest.json").read_text())
    assert [b["benchmark"] for b in suite["benchmarks"]] == ["tiny"]
    assert suite["machine"]["cpus"] >= 1 and suite["quick"] is True


def test_a_failing_benchmark_is_reported_and_the_others_still_run(tmp_path, capsys):
    code = main(["broken", "tiny", "--quick", "--results-dir", str(tmp_path)], registry=REGISTRY)
    out = capsys.readouterr().out
    suite = json.loads((tmp_path / "latest.json").read_text())
    assert code == 1
    assert "broken failed" in out and "the stack did not come up" in out
    broken, tiny = suite["benchmarks"]
    assert "RuntimeError" in broken["error"] and broken["metrics"] == []
    assert tiny["error"] is None and len(tiny["metrics"]) == 1


def test_a_module_that_fails_to_import_or_clashes_is_a_failed_benchmark(tmp_path):
    code = main(["missing", "clash", "--results-dir", str(tmp_path)], registry=REGISTRY)
    missing, clash = json.loads((tmp_path / "latest.json").read_text())["benchmarks"]
    assert code == 1
    assert "ModuleNotFoundError" in missing["error"]
    assert "option clash" in clash["error"]


def test_a_benchmark_past_its_time_limit_fails_and_the_suite_goes_on(tmp_path):
    code = main(
        ["slow", "tiny", "--quick", "--timeout", "1", "--results-dir", str(tmp_path)],
        registry=REGISTRY,
    )
    slow, tiny = json.loads((tmp_path / "latest.json").read_text())["benchmarks"]
    assert code == 1
    assert "ran past --timeout 1 s" in slow["error"]
    assert tiny["error"] is None


def test_benchmark_options_and_unknown_names(tmp_path, capsys):
    assert main(["nope", "--results-dir", str(tmp_path)], registry=REGISTRY) == 2
    assert "unknown benchmark" in capsys.readouterr().out
    assert main(["--list"], registry=REGISTRY) == 0
    assert "sorted() vs heapq" in capsys.readouterr().out
    code = main(
        ["tiny", "--tiny-size", "10", "--repeat", "3", "--results-dir", str(tmp_path)],
        registry=REGISTRY,
    )
    [metric] = json.loads((tmp_path / "tiny.json").read_text())["metrics"]
    assert code == 0 and (metric["notes"], metric["repeats"]) == ("10 items", 3)


def test_figures_are_medians_with_min_max_and_nearest_rank_percentiles():
    m = measure("m", "u", [3, 1, 2], [10, 30, 20], baseline_name="b", goal="g")
    assert (m.tourflow, m.tourflow_min, m.tourflow_max) == (2, 1, 3)
    assert (m.baseline, m.ratio) == (20, 0.1)
    samples = list(range(1, 101))
    assert (percentile(samples, 50), percentile(samples, 99), percentile(samples, 100)) == (
        50,
        99,
        100,
    )


def test_tourflow_bench_is_the_same_command():
    result = CliRunner().invoke(app, ["bench", "--list"])
    assert result.exit_code == 0, result.output
    for name in ("booking_throughput", "slot_generation", "invoice_numbering", "availability_read"):
        assert name in result.output
