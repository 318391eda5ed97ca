"""The CI skip policy itself: an unlisted skip fails the run in CI, a listed one does not."""

import pytest

SKIPPING = """
import pytest

def test_runs():
    pass

def test_needs_something():
    pytest.skip("no something here")
"""
NODE = "tests/test_x.py::test_needs_something"


@pytest.fixture
def project(pytester, monkeypatch):
    pytester._monkeypatch = monkeypatch
    pytester.mkdir("tests")  # not a package: `tests.skip_policy` must resolve to this project's
    pytester.path.joinpath("tests", "test_x.py").write_text(SKIPPING)
    return pytester


def run(project, ci):
    project._monkeypatch.setenv("CI", ci)
    return project.runpytest_subprocess("-p", "tests.skip_policy", "-p", "no:django", "-p", "no:playwright",
                                        "-p", "no:base_url", "--rootdir", str(project.path))


@pytest.fixture(autouse=True)
def plugin_importable(project, monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("PYTHONPATH", f"{root}")


def test_unlisted_skip_fails_in_ci(project):
    result = run(project, "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skipped in CI but not listed in tests/allowed_skips.txt*",
                                 f"{NODE}: Skipped: no something here"])


def test_listed_skip_passes_in_ci(project):
    (project.path / "tests" / "allowed_skips.txt").write_text(f"# comment\n{NODE} | nothing to test it with\n")
    assert run(project, "true").ret == pytest.ExitCode.OK


def test_skip_outside_ci_is_only_reported(project):
    assert run(project, "false").ret == pytest.ExitCode.OK


def test_listing_without_a_reason_is_refused(project):
    (project.path / "tests" / "allowed_skips.txt").write_text(f"{NODE}\n")
    result = run(project, "true")
    assert result.ret != pytest.ExitCode.OK
    assert "has no reason" in result.stderr.str() + result.stdout.str()
