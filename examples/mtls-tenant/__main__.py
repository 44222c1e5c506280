"""An Auth0 tenant's mTLS setup, end to end: a self-managed custom domain, its verification, the
endpoint aliases that send mTLS clients to mtls.<domain>, then an application that authenticates
with its certificate and gets certificate-bound access tokens for an API.

Credentials come from stack config (auth0:domain, auth0:clientId, auth0:clientSecret) or the
AUTH0_* environment variables. The TXT record is published by your DNS provider; see the README
for a Cloudflare example. The application and the API are created elsewhere (the dashboard, the
bridged provider, another stack); give their ids in config:

    pulumi config set appClientId <the application's client id>
    pulumi config set apiId https://api.example.com/payments     # the API's id or identifier
    pulumi config set --path 'clientCertificates.partner-a-2026' certs/partner-a-2026.pem

Each entry of clientCertificates (name → PEM file of the application's public certificate) is a
credential; the application authenticates with all of them (one, or two while rotating: see the
README's rotation walkthrough). `make demo` runs all of this against the local emulator.
"""

from pathlib import Path

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

# -- the application: certificate credentials and mTLS client authentication -------------------
app_client_id = config.get("appClientId")
if app_client_id:
    certificates: dict[str, str] = config.get_object("clientCertificates") or {}
    credentials = [
        auth0_mtls.ClientCertificateCredential(
            name,
            client_id=app_client_id,
            credential_type="x509_cert",  # self-signed; "cert_subject_dn" for CA-signed ones
            pem=Path(path).read_text(),   # the PUBLIC certificate; check() refuses a private key
            name=name,
        )
        for name, path in sorted(certificates.items())
    ]
    authentication = auth0_mtls.ClientMtlsAuthentication(
        "partner-a",
        client_id=app_client_id,
        method="self_signed_tls_client_auth",
        credential_ids=[cred.credential_id for cred in credentials],
        require_proof_of_possession=True,  # its access tokens are bound to its certificate
        opts=pulumi.ResourceOptions(depends_on=[aliases]),
    )
    # What a bound token's cnf.x5t#S256 carries, per certificate.
    pulumi.export("certificate_thumbprints", {name: cred.thumbprint_sha256
                                              for name, cred in zip(sorted(certificates), credentials)})
    pulumi.export("certificate_expiry", {name: cred.expires_at
                                         for name, cred in zip(sorted(certificates), credentials)})
    pulumi.export("client_authentication", authentication.method)

# -- the API: tokens for it must be certificate-bound ------------------------------------------
api_id = config.get("apiId")
if api_id:
    api = auth0_mtls.ResourceServerProofOfPossession(
        "payments-api",
        resource_server_id=api_id,
        mechanism="mtls",
        required=True,
    )
    pulumi.export("api_proof_of_possession", pulumi.Output.all(api.mechanism, api.required))
