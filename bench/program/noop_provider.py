"""Dynamic providers that do nothing, in an importable module like auth0-mtls's (so they are also
pickled by reference): the cost the Pulumi engine itself sets for the same resource graph.

Three resource types with three provider classes, as auth0-mtls has (domain, verification, tenant
setting), so the engine unpickles and configures as many providers per process as it does for
auth0-mtls, and the graph has the same dependencies: each verification takes its domain's id, the
tenant setting waits for every verification.

With the input ``messages=True`` the verifications and the tenant setting print, on create and
delete, a progress line like the one auth0-mtls prints there: the engine turns every line a provider
writes to stderr into a diagnostic it displays (part of the "same shape" floor, see __main__.py).
"""

import sys
import uuid

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider


class NoopProvider(ResourceProvider):
    serialize_as_secret_always = False

    def check(self, _olds, news):
        return CheckResult({k: v for k, v in news.items() if k != "__provider"}, [])

    def diff(self, _id, olds, news):
        return DiffResult(changes=any(olds.get(k) != v for k, v in news.items() if k != "__provider"))

    def create(self, props):
        return CreateResult(f"cd_{uuid.uuid4().hex[:16]}", dict(props))

    def read(self, id_, props):
        return ReadResult(id_, props, {k: v for k, v in props.items() if k != "__provider"})

    def delete(self, _id, _props):
        pass


class NoopProgressProvider(NoopProvider):
    """Prints one progress line per create and delete when asked to (``messages``)."""

    said = "done"

    def create(self, props):
        result = super().create(props)
        self.say(props, result.id)
        return result

    def delete(self, id_, props):
        self.say(props, id_)

    def say(self, props, id_):
        if props.get("messages"):
            print(f"bench-noop: {self.said} {id_}; a line as long as the ones auth0-mtls prints at this step, "
                  "roughly 120 characters", file=sys.stderr, flush=True)


class NoopVerificationProvider(NoopProgressProvider):
    said = "verified"


class NoopTenantSettingProvider(NoopProgressProvider):
    said = "tenant setting changed"


class NoopDomain(pulumi.dynamic.Resource, module="bench", name="NoopDomain"):
    def __init__(self, name, opts=None, **props):
        super().__init__(NoopProvider(), name, props, opts)


class NoopVerification(pulumi.dynamic.Resource, module="bench", name="NoopVerification"):
    def __init__(self, name, opts=None, **props):
        super().__init__(NoopVerificationProvider(), name, props, opts)


class NoopTenantSetting(pulumi.dynamic.Resource, module="bench", name="NoopTenantSetting"):
    def __init__(self, name, opts=None, **props):
        super().__init__(NoopTenantSettingProvider(), name, props, opts)
