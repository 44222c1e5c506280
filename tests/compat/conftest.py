from __future__ import annotations

import pytest

# The Pulumi CLI fixture of the e2e tests, rather than a copy of it.
from e2e.conftest import pulumi_bin  # noqa: F401


def pytest_collection_modifyitems(items):
    for item in items:
        # The state replay runs the real Pulumi CLI; the pickle contract needs only the package.
        if "/compat/" in str(item.fspath) and item.fspath.basename == "test_state_compat.py":
            item.add_marker(pytest.mark.e2e)
