"""How an exception leaves a provider hook, called directly as the engine's SDK calls it.

The package's own errors leave with their traceback cut at the hook (the SDK prints it before the
message) and nothing chained to them; their message still names the cause. Any other exception is
a bug and keeps every frame and its chain, which is what a bug report needs.
"""

from __future__ import annotations

import traceback
from typing import Any

import dill
import pytest
from pulumi.dynamic import CreateResult

import auth0_mtls  # noqa: F401  (every provider module, for Auth0Provider.__subclasses__)
from auth0_mtls import client as client_module
from auth0_mtls import custom_domain as cd
from auth0_mtls.discovery_check import MtlsDiscoveryCheckProvider
from auth0_mtls.errors import ApiError
from auth0_mtls.provider_base import HOOKS, Auth0Provider, ShortTracebacks


def domain_props() -> dict[str, Any]:
    return cd.normalize_inputs({"domain": "login.example.com"})


def frame_files(error: BaseException) -> list[str]:
    return [frame.filename for frame in traceback.extract_tb(error.__traceback__)]


def package_frames(error: BaseException) -> list[str]:
    return [path.rsplit("/", 1)[-1] for path in frame_files(error) if "/auth0_mtls/" in path]


def test_a_refused_token_leaves_the_hook_with_only_the_hook_frame(emulator_env, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "not-the-secret")
    with pytest.raises(ApiError) as err:
        cd.CustomDomainProvider().create(domain_props())
    assert err.value.status == 401 and "check auth0:clientId/auth0:clientSecret" in str(err.value)
    assert package_frames(err.value) == ["provider_base.py"], frame_files(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    # What the SDK prints: no chained exception before the traceback of the hook.
    printed = "".join(traceback.format_exception(err.value))
    assert printed.count("Traceback (most recent call last)") == 1
    assert "client.py" not in printed and printed.rstrip().endswith("renew auth0:apiToken)")


def test_a_network_failure_keeps_its_cause_in_the_message(monkeypatch: pytest.MonkeyPatch):
    for var in ("AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AUTH0_DOMAIN", "http://127.0.0.1:9")  # loopback, nothing listens on discard
    monkeypatch.setenv("AUTH0_API_TOKEN", "token")
    monkeypatch.setenv("AUTH0_MTLS_RETRY_BUDGET_SECONDS", "1")
    client_module._clients.clear()
    with pytest.raises(ApiError) as err:
        cd.CustomDomainProvider().create(domain_props())
    assert err.value.status is None and "connection refused" in str(err.value)
    assert package_frames(err.value) == ["provider_base.py"] and err.value.__cause__ is None


def test_an_unexpected_exception_keeps_its_whole_traceback():
    # A value no `check` lets through stands in for a bug: it fails deep in the fetch, in http.client.
    with pytest.raises(TypeError) as err:
        MtlsDiscoveryCheckProvider().read("https://x/.well-known/openid-configuration", {"domain": 5})
    files = [path.rsplit("/", 1)[-1] for path in frame_files(err.value)]
    assert files.count("discovery_check.py") >= 3, files  # read -> fetch -> the connection
    assert files[-1] == "client.py" and "/http/" in frame_files(err.value)[-1], files


class _Buggy(Auth0Provider):
    """A provider with a bug below its hook, raised while handling another exception."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("id", self._outputs(props))

    def _outputs(self, props: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"name": props["name"]}
        except KeyError as exc:
            raise RuntimeError("outputs without a name") from exc


def test_an_unexpected_exception_in_any_provider_keeps_its_frames_and_chain():
    with pytest.raises(RuntimeError) as err:
        _Buggy().create({})
    functions = [frame.name for frame in traceback.extract_tb(err.value.__traceback__)]
    assert functions[-3:] == ["provider_hook", "create", "_outputs"], functions
    assert isinstance(err.value.__cause__, KeyError)
    printed = "".join(traceback.format_exception(err.value))
    assert "direct cause of the following exception" in printed


PROVIDERS = [cls for cls in (*Auth0Provider.__subclasses__(), MtlsDiscoveryCheckProvider)
             if cls.__module__.startswith("auth0_mtls.")]


def test_the_seven_providers_are_all_here():
    assert len(PROVIDERS) == 7, PROVIDERS


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda cls: cls.__name__)
def test_every_hook_of_every_provider_is_wrapped_and_still_pickles_by_reference(cls: type):
    assert issubclass(cls, ShortTracebacks)
    defined = [name for name in HOOKS if name in vars(cls)]
    assert defined, f"{cls.__name__} defines no hook"
    for name in defined:
        hook = vars(cls)[name]
        assert hook.__wrapped__.__qualname__ == hook.__qualname__ == f"{cls.__name__}.{name}"
        assert hook.__module__ == cls.__module__
    pickled = dill.dumps(cls(), recurse=True)
    assert len(pickled) < 1024 and cls.__module__.encode() in pickled and b"provider_hook" not in pickled
    assert type(dill.loads(pickled)) is cls
