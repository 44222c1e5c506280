"""The pickled-provider contract: state written by any release names its providers as
``auth0_mtls.<module>.<Class>``, and ``pulumi refresh``/``destroy`` unpickle exactly that name with
whatever version is installed then. So every such path stays importable for good.

Runs without the Pulumi CLI: it reads the recorded fixtures (tests/compat/fixtures/*/stack.json)
and the installed package.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import pickle
import pkgutil

import dill
import pytest
from pulumi.dynamic import Resource, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

import auth0_mtls

from .pickled import fixture_dirs, global_names, names_in_fixture, provider_values

# Every provider class a stack's state may name, with the resource type it serves. These paths only
# ever gain aliases: never rename, move or delete one. To move a class, add its old path to ALIASES
# and keep a module-level alias there (``OldName = NewName``). A new resource's provider is added
# here in the change that introduces it (test_every_provider_in_the_package_is_listed fails until then).
PUBLIC_PROVIDERS = {
    "auth0_mtls.custom_domain.CustomDomainProvider": "CustomDomain",
    "auth0_mtls.verification.CustomDomainVerificationProvider": "CustomDomainVerification",
    "auth0_mtls.tenant_settings.TenantMtlsSettingsProvider": "TenantMtlsSettings",
    "auth0_mtls.client_credential.ClientCertificateCredentialProvider": "ClientCertificateCredential",
    "auth0_mtls.client_authentication.ClientMtlsAuthenticationProvider": "ClientMtlsAuthentication",
    "auth0_mtls.resource_server_pop.ResourceServerProofOfPossessionProvider": "ResourceServerProofOfPossession",
    "auth0_mtls.discovery_check.MtlsDiscoveryCheckProvider": "MtlsDiscoveryCheck",
}

# Old path -> the path in PUBLIC_PROVIDERS it now resolves to. Empty: nothing has moved yet.
ALIASES: dict[str, str] = {}

# ResourceProvider subclasses that are only ever bases of the providers above: no resource is
# created with one, so none is pickled into state on its own.
SHARED_BASES = {"auth0_mtls.provider_base.Auth0Provider"}


def resolve(path: str) -> object:
    """What unpickling a reference to ``path`` loads (pickle's own lookup: module, then attributes)."""
    module, _, qualname = path.rpartition(".")
    obj: object = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def package_modules() -> list[str]:
    names = [auth0_mtls.__name__]
    for info in pkgutil.walk_packages(auth0_mtls.__path__, prefix=f"{auth0_mtls.__name__}."):
        if not info.name.endswith(".__main__"):  # importing a __main__ would run its command line
            names.append(info.name)
    return names


def defined_in_package(base: type) -> dict[str, type]:
    found = {}
    for name in package_modules():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == name and issubclass(obj, base) and obj is not base:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def resource_types() -> dict[str, str]:
    """``{type token in state: Resource class name}`` for the package's resources."""
    return {f"pulumi-python:{cls._resource_type_name}": cls.__name__ for cls in defined_in_package(Resource).values()}


FIXTURES = fixture_dirs()


def test_there_is_a_fixture_of_the_first_release():
    assert [d.name for d in FIXTURES][:1] == ["v0.1.0"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[d.name for d in FIXTURES])
def test_every_class_a_fixture_names_still_imports(fixture):
    names = names_in_fixture(fixture)
    assert names, f"{fixture.name}: no __provider found"
    ours = {name for name in names if name.startswith("auth0_mtls.")}
    unlisted = ours - set(PUBLIC_PROVIDERS) - set(ALIASES)
    assert not unlisted, f"{fixture.name} names provider paths that are not in PUBLIC_PROVIDERS/ALIASES: {unlisted}"
    for name, urns in names.items():
        try:
            obj = resolve(name)
        except (ImportError, AttributeError) as exc:
            pytest.fail(f"{fixture.name}: {name} (the provider of {sorted(urns)}) no longer imports: {exc!r}; "
                        "refresh and destroy of such stacks would fail. Keep an alias at the old path.")
        assert inspect.isclass(obj), name


@pytest.mark.parametrize("fixture", FIXTURES, ids=[d.name for d in FIXTURES])
def test_every_pickled_provider_in_a_fixture_loads_as_the_provider_of_its_resource(fixture):
    export = json.loads((fixture / "stack.json").read_text())
    types = {state["urn"]: state["type"] for state in export["deployment"]["resources"]}
    known = resource_types()
    by_resource = {resource: path for path, resource in PUBLIC_PROVIDERS.items()}
    checked = 0
    for urn, value in provider_values(export):
        type_token = types[urn]
        assert type_token in known, f"{fixture.name}: resource type {type_token} is no longer declared by any Resource"
        provider = dill.loads(base64.b64decode(value))  # what the provider process does with it
        expected = resolve(by_resource[known[type_token]])
        assert isinstance(provider, expected), (urn, type(provider))  # type: ignore[arg-type]
        assert vars(provider) == {}, f"{urn}: the pickled provider carries state: {vars(provider)}"
        checked += 1
    assert checked


def test_every_provider_in_the_package_is_listed():
    found = set(defined_in_package(ResourceProvider))
    unlisted = found - set(PUBLIC_PROVIDERS) - SHARED_BASES
    assert not unlisted, (
        f"new ResourceProvider subclasses {sorted(unlisted)}: add each to PUBLIC_PROVIDERS (with the resource it "
        "serves) if resources are created with it, or to SHARED_BASES if it is only a base class")
    missing = (set(PUBLIC_PROVIDERS) | SHARED_BASES) - found
    assert not missing, f"{sorted(missing)} are no longer defined where listed: keep an alias, list it in ALIASES"


@pytest.mark.parametrize("path", sorted(PUBLIC_PROVIDERS))
def test_each_public_provider_is_pickled_by_reference_to_its_listed_path(path):
    cls = resolve(path)
    assert inspect.isclass(cls) and issubclass(cls, ResourceProvider)
    # The Resource class of the same name builds exactly this provider.
    resource_cls = getattr(auth0_mtls, PUBLIC_PROVIDERS[path])
    assert issubclass(resource_cls, Resource)
    encoded = serialize_provider(cls())  # what the program stores in state
    pickled = base64.b64decode(encoded)
    # By reference: the pickle names the class and nothing else (no code, no captured values), so
    # the installed version's code runs and the stored value does not change with it.
    assert global_names(pickled) == [path]
    assert len(pickled) < 200, len(pickled)
    assert type(pickle.loads(pickled)) is cls


def alias_problems(aliases: dict[str, str]) -> list[str]:
    problems = []
    for old, new in aliases.items():
        if new not in PUBLIC_PROVIDERS:
            problems.append(f"{old} -> {new}: {new} is not in PUBLIC_PROVIDERS")
            continue
        try:
            same = resolve(old) is resolve(new)
        except (ImportError, AttributeError) as error:
            problems.append(f"{old} -> {new}: {error}")
            continue
        if not same:
            problems.append(f"{old} must stay an alias of {new}")
    return problems


def test_each_alias_resolves_to_the_class_now_listed():
    assert not alias_problems(ALIASES)


def test_the_alias_check_accepts_a_kept_alias_and_reports_a_broken_one(monkeypatch: pytest.MonkeyPatch):
    """ALIASES is empty while nothing has moved; this shows the check above would catch a broken alias."""
    current = "auth0_mtls.custom_domain.CustomDomainProvider"
    monkeypatch.setattr(auth0_mtls.custom_domain, "OldDomainProvider",
                        auth0_mtls.custom_domain.CustomDomainProvider, raising=False)
    assert alias_problems({"auth0_mtls.custom_domain.OldDomainProvider": current}) == []
    monkeypatch.setattr(auth0_mtls.custom_domain, "OldDomainProvider",
                        auth0_mtls.verification.CustomDomainVerificationProvider)
    assert alias_problems({"auth0_mtls.custom_domain.OldDomainProvider": current}) == [
        f"auth0_mtls.custom_domain.OldDomainProvider must stay an alias of {current}"]
    assert len(alias_problems({"auth0_mtls.custom_domain.Gone": current})) == 1
    assert len(alias_problems({"auth0_mtls.custom_domain.OldDomainProvider": "auth0_mtls.nowhere.Provider"})) == 1


def test_the_reader_finds_names_that_a_move_would_break():
    """The checks above can fail: a pickle naming a class that is not there is reported as such."""
    moved = pickle.dumps(auth0_mtls.custom_domain.CustomDomainProvider(), protocol=4).replace(
        b"CustomDomainProvider", b"DomainProviderMoved!")
    assert global_names(moved) == ["auth0_mtls.custom_domain.DomainProviderMoved!"]
    with pytest.raises(AttributeError):
        resolve("auth0_mtls.custom_domain.DomainProviderMoved!")
    # Protocols before 4 name classes with the GLOBAL opcode rather than STACK_GLOBAL.
    assert global_names(pickle.dumps(auth0_mtls.verification.CustomDomainVerificationProvider(), protocol=2)) == [
        "auth0_mtls.verification.CustomDomainVerificationProvider"]
