"""The Pulumi program the end-to-end tests run. It reads ``spec.json`` beside it, so a test changes
the program by rewriting that file, the way a user edits their program, without touching stack
config (which would show as a change of the dynamic provider itself)."""

import json
from pathlib import Path

import pulumi

import auth0_mtls

spec = json.loads((Path(__file__).parent / "spec.json").read_text())
config = pulumi.Config()


def from_config(args: dict) -> dict:
    """``{"timeout_seconds": {"config_float": "t"}}`` reads the stack config's ``t`` with
    ``get_float``, the way a user passes a tunable from ``pulumi config set t 600``."""
    return {key: config.get_float(value["config_float"]) if isinstance(value, dict) and "config_float" in value
            else value for key, value in args.items()}


verifications = []
created: dict[str, auth0_mtls.CustomDomain] = {}
for item in spec.get("domains", []):
    args = dict(item)
    name = args.pop("name")
    verify = args.pop("verify", None)
    domain_from = args.pop("domain_from", None)
    after = [created[other] for other in args.pop("depends_on", [])]
    if domain_from:
        # A name known only once another resource exists, so it is unknown during preview.
        args["domain"] = created[domain_from].custom_domain_id.apply(
            lambda cd_id: f"{cd_id.lower().replace('_', '-')}.derived.example.com")
    domain = auth0_mtls.CustomDomain(name, **args, opts=pulumi.ResourceOptions(depends_on=after))
    created[name] = domain
    pulumi.export(f"{name}_id", domain.custom_domain_id)
    pulumi.export(f"{name}_status", domain.status)
    pulumi.export(f"{name}_record", pulumi.Output.all(domain.verification_record_type,
                                                       domain.verification_record_name,
                                                       domain.verification_record_value))
    pulumi.export(f"{name}_tenant_host", domain.tenant_host)
    if verify is not None:
        verified = auth0_mtls.CustomDomainVerification(name, custom_domain_id=domain.custom_domain_id,
                                                       **from_config(verify),
                                                       opts=pulumi.ResourceOptions(depends_on=after))
        verifications.append(verified)
        pulumi.export(f"{name}_cname_api_key", verified.cname_api_key)
        pulumi.export(f"{name}_origin", verified.origin_domain_name)
        pulumi.export(f"{name}_verified_status", verified.status)

if "tenant" in spec:
    settings = auth0_mtls.TenantMtlsSettings(
        "mtls", **spec["tenant"], opts=pulumi.ResourceOptions(depends_on=verifications))
    pulumi.export("mtls_enabled", settings.enable_endpoint_aliases)
    pulumi.export("mtls_previous", settings.previous_mtls)

# More TenantMtlsSettings, one per tenant: [{"name": ..., "tenant": "auth0-eu", ...}]
for item in spec.get("settings", []):
    args = dict(item)
    name = args.pop("name")
    after = [created[other] for other in args.pop("depends_on", [])]
    settings = auth0_mtls.TenantMtlsSettings(
        name, **args, opts=pulumi.ResourceOptions(depends_on=verifications + after))
    pulumi.export(f"{name}_tenant", settings.tenant)
    pulumi.export(f"{name}_enabled", settings.enable_endpoint_aliases)

# MtlsDiscoveryCheck: [{"name": ..., "domain": ..., "ca_bundle": ..., "timeout_seconds": ...}]
for item in spec.get("checks", []):
    args = from_config(dict(item))
    name = args.pop("name")
    check = auth0_mtls.MtlsDiscoveryCheck(name, **args)
    pulumi.export(f"{name}_mtls_token_endpoint", check.mtls_token_endpoint)
