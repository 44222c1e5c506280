"""A dynamic provider that does nothing, in an importable module like auth0-mtls's (so it is also
pickled by reference): the cost the Pulumi engine itself sets for the same resource graph."""

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


class NoopDomain(pulumi.dynamic.Resource, module="bench", name="NoopDomain"):
    def __init__(self, name, **props):
        super().__init__(NoopProvider(), name, props)
