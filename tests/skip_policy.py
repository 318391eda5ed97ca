"""CI's skip policy, as a pytest plugin: with CI=true, a skipped test fails the run unless
``tests/allowed_skips.txt`` lists its node id with a reason (``<node id> | <reason>``)."""

import os
from pathlib import Path

import pytest


def _allowed_skips(config):
    path = Path(config.rootpath) / "tests" / "allowed_skips.txt"
    if not path.exists():
        return set()
    allowed = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            node_id, _, reason = line.partition("|")
            if not reason.strip():
                raise pytest.UsageError(f"{path.name}: '{line}' has no reason after '|'")
            allowed.add(node_id.strip())
    return allowed


_skipped: list[tuple[str, str]] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append((report.nodeid, reason))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI", "").lower() != "true" or not _skipped:
        return
    allowed = _allowed_skips(session.config)
    unexpected = [(node, reason) for node, reason in _skipped if node not in allowed]
    if unexpected:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_sep("=", "skipped in CI but not listed in tests/allowed_skips.txt", red=True)
        for node, reason in unexpected:
            reporter.write_line(f"{node}: {reason}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
