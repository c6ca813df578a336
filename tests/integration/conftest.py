"""Shared pytest set-up: where the binary is, and CI's no-skip rule."""
import os

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "optional(reason): may be skipped in CI (a runtime that cannot run on this machine)",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing is optional: a skip of a test not marked optional fails."""
    outcome = yield
    rep = outcome.get_result()
    if os.environ.get("CI") == "true" and rep.skipped and item.get_closest_marker("optional") is None:
        if hasattr(rep, "wasxfail"):
            return
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.outcome = "failed"
        rep.longrepr = f"skipped in CI, where nothing is optional: {reason}"


@pytest.fixture(scope="session")
def jailinit():
    path = os.environ.get("JAILINIT") or os.path.abspath("build/jailinit")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no jailinit binary at {path}: run make")
    return path


@pytest.fixture(scope="session")
def build_dir(jailinit):
    return os.environ.get("BUILD_DIR") or os.path.dirname(jailinit)
