"""Outputs a later version adds are filled in from state an earlier release wrote, by read (refresh)
and update, so an old stack gets the shape of a new one without an update of its own."""

from __future__ import annotations

import json

from auth0_mtls import tenant_settings as ts

from .pickled import FIXTURES


def recorded_outputs(release: str, type_suffix: str) -> dict:
    export = json.loads((FIXTURES / release / "stack.json").read_text())
    [state] = [r for r in export["deployment"]["resources"] if r["type"].endswith(type_suffix)]
    return state["outputs"]


def test_0_1_tenant_setting_gets_previous_mtls_captured_by_the_rule_create_applies():
    outs = recorded_outputs("v0.1.0", ":TenantMtlsSettings")
    assert "previous_mtls_captured" not in outs and "previous_mtls" not in outs  # absent before: None, not stored
    assert ts.computed_outputs(outs)["previous_mtls_captured"] is True


def test_a_value_already_as_declared_could_not_be_told_apart():
    outs = {"enable_endpoint_aliases": True, "previous_mtls": {"enable_endpoint_aliases": True}}
    assert ts.computed_outputs(outs)["previous_mtls_captured"] is False


def test_a_recorded_flag_is_kept():
    outs = {"enable_endpoint_aliases": True, "previous_mtls_captured": False}
    assert ts.computed_outputs(outs)["previous_mtls_captured"] is False
