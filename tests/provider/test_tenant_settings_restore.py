"""TenantMtlsSettings after an interrupted run: when the value before cannot be known, the run says
so, and `restore_to` decides what delete puts back."""

from __future__ import annotations

import pytest

from auth0_mtls import tenant_settings as ts
from auth0_mtls.errors import ApiError

PATCH = {"method": "PATCH", "path": "/api/v2/tenants/settings"}


def settings(emu):
    return emu.state.get_tenant_settings().get("mtls", "absent")


def test_a_lost_patch_response_then_a_rerun_warns_that_the_previous_value_is_unknown(emulator_env, capsys):
    emu = emulator_env
    provider = ts.TenantMtlsSettingsProvider()
    emu.state.add_fault({**PATCH, "kind": "drop_after", "count": 50})
    with pytest.raises(ApiError) as err:
        provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    assert "was absent before" in str(err.value), "the failed run says what the tenant had"
    assert settings(emu) == {"enable_endpoint_aliases": True}, "the PATCH was applied; its answers were lost"
    emu.state.clear_faults()
    capsys.readouterr()

    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    warning = capsys.readouterr().err
    assert "auth0-mtls warning" in warning and "cannot tell" in warning and "restore_to" in warning
    assert created.outs["previous_mtls_captured"] is False

    provider.delete(created.id, created.outs)
    assert "auth0-mtls warning" in capsys.readouterr().err, "delete says it restores a value it could not know"
    assert settings(emu) == {"enable_endpoint_aliases": True}


@pytest.mark.parametrize("restore_to, expected", [("absent", "absent"),
                                                  ("disabled", {"enable_endpoint_aliases": False})])
@pytest.mark.parametrize("captured", [True, False])
def test_restore_to_is_honoured_whatever_was_captured(emulator_env, restore_to, expected, captured):
    emu = emulator_env
    if not captured:
        emu.state.update_tenant_settings({"mtls": {"enable_endpoint_aliases": True}})
    provider = ts.TenantMtlsSettingsProvider()
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True, "restore_to": restore_to}))
    assert created.outs["previous_mtls_captured"] is captured
    provider.delete(created.id, created.outs)
    assert settings(emu) == expected


def test_restore_to_previous_with_a_captured_value_puts_it_back_without_warning(emulator_env, capsys):
    emu = emulator_env
    emu.state.update_tenant_settings({"mtls": {"enable_endpoint_aliases": False}})
    provider = ts.TenantMtlsSettingsProvider()
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True, "restore_to": "previous"}))
    provider.delete(created.id, created.outs)
    assert settings(emu) == {"enable_endpoint_aliases": False}
    assert "warning" not in capsys.readouterr().err


def test_restore_to_is_validated_and_changes_in_place_without_a_call(emulator_env):
    failures = ts.check_failures(ts.normalize_inputs({"enable_endpoint_aliases": True, "restore_to": "off"}))
    assert [p for p, _ in failures] == ["restore_to"] and "previous, absent, disabled" in failures[0][1]
    provider = ts.TenantMtlsSettingsProvider()
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    news = ts.normalize_inputs({"enable_endpoint_aliases": True, "restore_to": "absent"})
    assert provider.diff(created.id, created.outs, news).changes is None  # an update naming restore_to
    emulator_env.state.clear_calls()
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs["restore_to"] == "absent" and emulator_env.state.calls() == []
    # Unset and "previous" mean the same: no diff either way, and none for 0.1 state without it.
    same = ts.normalize_inputs({"enable_endpoint_aliases": True, "restore_to": "previous"})
    assert provider.diff(created.id, created.outs, same).changes is False
    legacy = {"enable_endpoint_aliases": True, "restore_on_delete": True, "tenant": created.id}
    assert provider.diff(created.id, legacy, ts.normalize_inputs({"enable_endpoint_aliases": True})).changes is False
