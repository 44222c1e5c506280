"""Outputs a later version adds are filled in from state an earlier release wrote, by read (refresh)
and update, so an old stack gets the shape of a new one without an update of its own."""

from __future__ import annotations

import json

import pytest

from auth0_mtls import client_authentication as ca
from auth0_mtls import resource_server_pop as rs
from auth0_mtls import tenant_settings as ts

from .pickled import FIXTURES, fixture_dirs


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


# Outputs that say whether create saw what was there before, and the rule read and update use to
# fill them into state recorded before they existed.
FILL_RULES = {
    ":TenantMtlsSettings": ("previous_mtls_captured", lambda outs: ts.computed_outputs(outs)["previous_mtls_captured"]),
    ":ClientMtlsAuthentication": ("previous_settings_captured", ca.captured_output),
    ":ResourceServerProofOfPossession": ("previous_proof_of_possession_captured", rs.captured_output),
}


@pytest.mark.parametrize("fixture", fixture_dirs(), ids=[d.name for d in fixture_dirs()])
def test_the_fill_rule_agrees_with_what_create_recorded(fixture):
    export = json.loads((fixture / "stack.json").read_text())
    checked = 0
    for state in export["deployment"]["resources"]:
        for suffix, (name, rule) in FILL_RULES.items():
            if state["type"].endswith(suffix) and name in state["outputs"]:
                without = {k: v for k, v in state["outputs"].items() if k != name}
                assert rule(without) is state["outputs"][name], f"{fixture.name}: {state['urn']}"
                checked += 1
    # 0.1.0 predates the flags; every later release records one per such resource.
    assert checked == (0 if fixture.name == "v0.1.0" else 3)


def test_0_2_client_and_api_state_without_the_flags_gets_them_by_the_create_rule():
    client = recorded_outputs("v0.2.0", ":ClientMtlsAuthentication")
    assert client["previous_settings"]["token_endpoint_auth_method"] == "client_secret_post"
    assert ca.captured_output({k: v for k, v in client.items() if k != "previous_settings_captured"}) is True
    found = {**client, "previous_settings": {**client["previous_settings"], "token_endpoint_auth_method": None,
                                             "client_authentication_methods": {client["method"]: {
                                                 "credentials": [{"id": i} for i in client["credential_ids"]]}},
                                             "require_proof_of_possession": True}}
    del found["previous_settings_captured"]
    assert ca.captured_output(found) is False
    api = recorded_outputs("v0.2.0", ":ResourceServerProofOfPossession")
    assert "previous_proof_of_possession" not in api  # none before: None, not stored
    assert rs.captured_output({k: v for k, v in api.items() if k != "previous_proof_of_possession_captured"}) is True
