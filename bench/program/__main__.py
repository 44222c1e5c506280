"""The benchmark's program: N custom domains (optionally verified, plus the tenant setting) using
either auth0-mtls or do-nothing dynamic providers of the same graph (the engine's own floor).

With ``"shape": true`` the do-nothing resources also look like auth0-mtls's to the engine: they
declare the same properties (every input and output name, ``cname_api_key`` a secret output) and
print the same progress lines, so the difference left is what auth0-mtls's provider does."""

import json
from pathlib import Path

import pulumi

spec = json.loads((Path(__file__).parent / "spec.json").read_text())
count = spec.get("count", 1)

if spec.get("kind") == "noop":
    from noop_provider import NoopDomain, NoopTenantSetting, NoopVerification

    shape = bool(spec.get("shape"))
    declared: dict[str, dict[str, None]] = {"domain": {}, "verification": {}, "tenant": {}}
    if shape:
        from auth0_mtls import custom_domain, tenant_settings, verification

        for key, module in (("domain", custom_domain), ("verification", verification), ("tenant", tenant_settings)):
            declared[key] = dict.fromkeys(module.INPUTS + module.OUTPUTS)
    secret = pulumi.ResourceOptions(additional_secret_outputs=["cname_api_key"]) if shape else None
    noop_verifications = []
    for i in range(count):
        noop_domain = NoopDomain(f"d{i:02d}", **{**declared["domain"], "domain": f"d{i:02d}.example.com",
                                                 "type": "self_managed_certs",
                                                 "custom_client_ip_header": spec.get("ip_header", "true-client-ip")})
        if spec.get("verify"):
            noop_verifications.append(NoopVerification(
                f"d{i:02d}", opts=secret, **{**declared["verification"], "custom_domain_id": noop_domain.id,
                                             "poll_interval_seconds": 1, "messages": shape}))
    if spec.get("tenant"):
        NoopTenantSetting("mtls", **{**declared["tenant"], "enable_endpoint_aliases": True, "messages": shape},
                          opts=pulumi.ResourceOptions(depends_on=noop_verifications))
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
