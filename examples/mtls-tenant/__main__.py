"""An Auth0 tenant's mTLS setup: a self-managed custom domain, its verification, and the endpoint
aliases that send mTLS clients to mtls.<domain>.

Credentials come from stack config (auth0:domain, auth0:clientId, auth0:clientSecret) or the
AUTH0_* environment variables. The TXT record is published by your DNS provider; see the README
for a Cloudflare example. `make demo` runs this program against the local emulator, which
publishes the record by itself (--auto-dns).
"""

import pulumi

import auth0_mtls

config = pulumi.Config()
host = config.get("domain") or "login.example.com"

domain = auth0_mtls.CustomDomain(
    "login",
    domain=host,
    type="self_managed_certs",
    tls_policy="recommended",
    custom_client_ip_header="true-client-ip",
    domain_metadata={"team": "identity"},
)

# Publish this record with your DNS provider before (or while) `pulumi up` waits for verification.
pulumi.export("dns_record", {
    "type": domain.verification_record_type,
    "name": domain.verification_record_name,
    "value": domain.verification_record_value,
})

verified = auth0_mtls.CustomDomainVerification(
    "login",
    custom_domain_id=domain.custom_domain_id,
    timeout_seconds=config.get_float("verifyTimeoutSeconds") or 900,
)

aliases = auth0_mtls.TenantMtlsSettings(
    "mtls",
    enable_endpoint_aliases=True,
    opts=pulumi.ResourceOptions(depends_on=[verified]),
)

pulumi.export("custom_domain_id", domain.custom_domain_id)
pulumi.export("origin_domain_name", verified.origin_domain_name)
pulumi.export("cname_api_key", verified.cname_api_key)  # a secret: `pulumi stack output --show-secrets`
pulumi.export("mtls_host", pulumi.Output.concat("mtls.", domain.domain))
pulumi.export("endpoint_aliases", aliases.enable_endpoint_aliases)
