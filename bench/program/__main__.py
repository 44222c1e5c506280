"""The benchmark's program: N custom domains (optionally verified, plus the tenant setting) using
either auth0-mtls or a do-nothing dynamic provider of the same shape (the engine's own floor)."""

import json
from pathlib import Path

import pulumi

spec = json.loads((Path(__file__).parent / "spec.json").read_text())
count = spec.get("count", 1)

if spec.get("kind") == "noop":
    from noop_provider import NoopDomain

    for i in range(count):
        NoopDomain(f"d{i:02d}", domain=f"d{i:02d}.example.com", type="self_managed_certs")
else:
    import auth0_mtls

    verifications = []
    for i in range(count):
        domain = auth0_mtls.CustomDomain(f"d{i:02d}", domain=f"d{i:02d}.example.com",
                                         custom_client_ip_header=spec.get("ip_header", "true-client-ip"))
        if spec.get("verify"):
            verifications.append(auth0_mtls.CustomDomainVerification(
                f"d{i:02d}", custom_domain_id=domain.custom_domain_id, poll_interval_seconds=1))
    if spec.get("tenant"):
        auth0_mtls.TenantMtlsSettings("mtls", enable_endpoint_aliases=True,
                                      opts=pulumi.ResourceOptions(depends_on=verifications))
