"""Preview-then-apply with the real Pulumi CLI against the emulator: the preview tells the truth,
apply does what the preview said, a second apply changes nothing, and refresh sees drift."""

from __future__ import annotations

import re

from .harness import EmulatorAdmin, Stack, ops, steps

LOGIN = {
    "name": "login",
    "domain": "login.example.com",
    "type": "self_managed_certs",
    "tls_policy": "recommended",
    "custom_client_ip_header": "true-client-ip",
    "domain_metadata": {"team": "identity"},
    "verify": {"timeout_seconds": 30, "poll_interval_seconds": 1},
}
FULL = {"domains": [LOGIN], "tenant": {"enable_endpoint_aliases": True}}


def test_fresh_stack_preview_writes_nothing_then_up_creates_with_secret_key(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(FULL)
    preview = stack.preview()
    assert ops(preview) == {
        "CustomDomain:login": ["create"],
        "CustomDomainVerification:login": ["create"],
        "TenantMtlsSettings:mtls": ["create"],
    }
    assert emu.api_calls() == [], "preview must not call the Management API (not even for a token)"

    stack.up()
    outputs = stack.outputs()
    assert outputs["login_status"] == "pending_verification"
    assert outputs["login_verified_status"] == "ready"
    assert outputs["login_record"][0] == "TXT"
    assert outputs["login_record"][1] == "_cf-custom-hostname.login.example.com"
    assert outputs["login_origin"].endswith(".edge.tenants.us.auth0.com")
    assert outputs["login_cname_api_key"] == "[secret]"
    assert outputs["mtls_enabled"] is True and outputs.get("mtls_previous") is None  # None exports are omitted

    key = stack.outputs(show_secrets=True)["login_cname_api_key"]
    assert re.fullmatch(r"[0-9a-f]{128}", key)
    state_text = stack.state_file_text()
    assert key not in state_text, "the cname_api_key must be encrypted in the state file"
    [verification] = stack.resources("CustomDomainVerification")
    secret_sig = "4dabf18193072939515e22adb298388d"  # how Pulumi marks a secret value in state
    assert verification["outputs"]["cname_api_key"][secret_sig] == "1b47061264138c4ac30d75fd1eb44270"
    assert "ciphertext" in verification["outputs"]["cname_api_key"]

    [domain] = emu.domains()
    assert domain["domain"] == "login.example.com" and domain["status"] == "ready"
    assert domain["custom_client_ip_header"] == "true-client-ip"
    assert domain["domain_metadata"] == {"team": "identity"}
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    tokens = [c for c in emu.calls() if c["path"] == "/oauth/token"]
    assert len(tokens) == 1, "one token per CLI command"


def test_unchanged_program_previews_no_changes_and_makes_no_calls(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(FULL)
    stack.up()
    emu.clear_calls()
    preview = stack.preview()
    assert set(op for o in ops(preview).values() for op in o) == {"same"}
    stack.up("--expect-no-changes")
    assert emu.api_calls() == [], "an unchanged stack needs no Management API call at all"


def test_update_names_properties_and_sends_one_patch(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(FULL)
    stack.up()
    changed = {**LOGIN, "custom_client_ip_header": "x-forwarded-for", "domain_metadata": {"owner": "platform"}}
    stack.write_spec({**FULL, "domains": [changed]})
    emu.clear_calls()
    preview = stack.preview()
    # The verification depends on the domain's id, which an in-place update keeps: it stays as it is.
    assert ops(preview) == {"CustomDomain:login": ["update"], "CustomDomainVerification:login": ["same"],
                            "TenantMtlsSettings:mtls": ["same"]}
    [step] = [s for s in steps(preview) if s["op"] == "update"]
    assert set(step["diffReasons"]) == {"custom_client_ip_header", "domain_metadata"}
    assert emu.writes() == []

    stack.up()
    writes = emu.writes()
    assert [(w["method"], w["path"].rsplit("/", 1)[0]) for w in writes] == [("PATCH", "/api/v2/custom-domains")]
    [domain] = emu.domains()
    assert domain["custom_client_ip_header"] == "x-forwarded-for"
    assert domain["domain_metadata"] == {"owner": "platform"}, "removed metadata keys are deleted"
    stack.up("--expect-no-changes")


def test_type_change_replaces_delete_first_and_domain_change_creates_first(stack: Stack, emu: EmulatorAdmin):
    spec = {"domains": [{"name": "login", "domain": "login.example.com"}]}
    stack.write_spec(spec)
    stack.up()
    [old] = emu.domains()

    spec["domains"][0]["type"] = "auth0_managed_certs"
    stack.write_spec(spec)
    preview = stack.preview()
    assert "replace" in ops(preview)["CustomDomain:login"]
    [replace] = [s for s in steps(preview) if s["op"] == "replace"]
    assert replace["replaceReasons"] == ["type"]
    emu.clear_calls()
    stack.up()
    writes = [(w["method"], w["status"]) for w in emu.writes()]
    assert writes == [("DELETE", 204), ("POST", 201)], writes
    [new] = emu.domains()
    assert new["type"] == "auth0_managed_certs" and new["custom_domain_id"] != old["custom_domain_id"]

    spec["domains"][0]["domain"] = "id.example.com"
    stack.write_spec(spec)
    emu.clear_calls()
    stack.up()
    writes = [(w["method"], w["status"]) for w in emu.writes()]
    assert writes == [("POST", 201), ("DELETE", 204)], writes
    assert [d["domain"] for d in emu.domains()] == ["id.example.com"]


def test_refresh_sees_drift_and_up_reverts_it_and_recreates_deleted(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(FULL)
    stack.up()
    [domain] = emu.domains()
    api = emu.management()
    url = f"{emu.base_url}/api/v2/custom-domains/{domain['custom_domain_id']}"
    assert api.patch(url, json={"custom_client_ip_header": "cf-connecting-ip"}).status_code == 200

    stack.refresh()
    [state] = stack.resources("CustomDomain")
    assert state["outputs"]["custom_client_ip_header"] == "cf-connecting-ip"
    preview = stack.preview()
    assert ops(preview)["CustomDomain:login"] == ["update"]
    stack.up()
    assert emu.domains()[0]["custom_client_ip_header"] == "true-client-ip"
    stack.up("--expect-no-changes")

    assert api.delete(url).status_code == 204
    stack.refresh()
    assert stack.resources("CustomDomain") == []
    stack.up()
    [recreated] = emu.domains()
    assert recreated["custom_domain_id"] != domain["custom_domain_id"]
    stack.up("--expect-no-changes")


def test_refresh_reads_each_domain_once_and_both_resources_still_see_drift(stack: Stack, emu: EmulatorAdmin):
    """A CustomDomain and its verification read the same object: refresh sends one GET per domain
    for both, so N verified domains and the tenant setting cost N + 2 calls (token included)."""
    names = ("a", "b", "c")
    verify = {"timeout_seconds": 30, "poll_interval_seconds": 1}
    stack.write_spec({"domains": [{"name": n, "domain": f"{n}.example.com", "verify": verify} for n in names],
                      "tenant": {"enable_endpoint_aliases": True}})
    stack.up()
    ids = {d["domain"].split(".")[0]: d["custom_domain_id"] for d in emu.domains()}
    expected = sorted([("POST", "/oauth/token"), ("GET", "/api/v2/tenants/settings")]
                      + [("GET", f"/api/v2/custom-domains/{ids[n]}") for n in names])

    emu.clear_calls()
    stack.refresh()
    assert sorted((c["method"], c["path"]) for c in emu.api_calls()) == expected
    assert len(expected) == len(names) + 2

    # Drift: a falls back to pending_verification (its DNS record was removed and Auth0 re-checked
    # it); b is deleted outside the program.
    emu.http.patch(f"{emu.base_url}/__emulator/custom-domains/{ids['a']}",
                   json={"status": "pending_verification"}).raise_for_status()
    assert emu.management().delete(f"{emu.base_url}/api/v2/custom-domains/{ids['b']}").status_code == 204
    emu.clear_calls()
    refreshed = stack.refresh()
    assert sorted((c["method"], c["path"]) for c in emu.api_calls()) == expected
    assert "a.example.com" in refreshed.output and "pending_verification again" in refreshed.output

    domains = {r["id"]: r["outputs"]["status"] for r in stack.resources("CustomDomain")}
    verifications = {r["id"]: r["outputs"]["status"] for r in stack.resources("CustomDomainVerification")}
    assert domains == {ids["a"]: "pending_verification", ids["c"]: "ready"}, "b is gone, a is pending"
    assert verifications == domains, "the verifications recorded the same drift"
    assert ops(stack.preview())["CustomDomainVerification:a"] == ["update"]


def test_unknown_domain_name_previews(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": "a", "domain": "a.example.com"},
                                  {"name": "b", "domain_from": "a"}]})
    preview = stack.preview()
    assert ops(preview) == {"CustomDomain:a": ["create"], "CustomDomain:b": ["create"]}
    stack.up()
    assert len(emu.domains()) == 2


def test_bad_input_fails_preview_naming_the_property_without_any_call(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{**LOGIN, "tls_policy": "compatible"}]})
    result = stack.preview(check=False)
    assert result.returncode != 0
    assert "tls_policy" in result.output and "recommended" in result.output
    stack.write_spec({"domains": [{"name": "x", "domain": "bad_name.example.com"}]})
    result = stack.preview(check=False)
    assert result.returncode != 0 and "domain" in result.output and "host name" in result.output
    assert emu.api_calls() == []


def test_adopt_existing_domain_without_conflict(stack: Stack, emu: EmulatorAdmin):
    api = emu.management()
    created = api.post(f"{emu.base_url}/api/v2/custom-domains",
                       json={"domain": "login.example.com", "type": "self_managed_certs"})
    assert created.status_code == 201
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "adopt_existing": True,
                                   "custom_client_ip_header": "x-forwarded-for"}]})
    emu.clear_calls()
    stack.up()
    assert not [c for c in emu.calls() if c["status"] == 409]
    [domain] = emu.domains()
    assert domain["custom_domain_id"] == created.json()["custom_domain_id"]
    assert domain["custom_client_ip_header"] == "x-forwarded-for"
    [state] = stack.resources("CustomDomain")
    assert state["id"] == domain["custom_domain_id"]
    stack.up("--expect-no-changes")


def test_existing_domain_without_adopt_fails_with_advice(stack: Stack, emu: EmulatorAdmin):
    api = emu.management()
    api.post(f"{emu.base_url}/api/v2/custom-domains",
             json={"domain": "login.example.com", "type": "self_managed_certs"})
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com"}]})
    result = stack.up(check=False)
    assert result.returncode != 0
    assert "already exists" in result.output and "adopt_existing" in result.output
    assert len(emu.domains()) == 1


def test_destroy_removes_everything_even_after_out_of_band_delete(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(FULL)
    stack.up()
    [domain] = emu.domains()
    emu.management().delete(f"{emu.base_url}/api/v2/custom-domains/{domain['custom_domain_id']}")
    stack.destroy()
    assert emu.domains() == []
    assert "mtls" not in emu.state()["tenant_settings"]
    assert stack.resources("CustomDomain") == [] and stack.resources("TenantMtlsSettings") == []
