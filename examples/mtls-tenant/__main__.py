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
    # (a relative path is read from this directory, where Pulumi runs the program)

Each entry of clientCertificates (name → PEM file of the application's public certificate) is a
credential; the application authenticates with all of them (one, or two while rotating: see the
README's rotation walkthrough). A second application may use a CA-signed certificate instead:

    pulumi config set caAppClientId <its client id>
    pulumi config set caClientCertificate certs/partner-b.pem     # matched by its subject DN

The edge (nginx in front of Auth0 on <domain> and mtls.<domain>) is rendered as the secret output
nginx_conf once its certificate is named (paths on the edge host):

    pulumi config set edgeCertificate /etc/nginx/tls/login.pem    # names <domain> and mtls.<domain>
    pulumi config set edgeCertificateKey /etc/nginx/tls/login.key
    pulumi config set edgeClientCa /etc/nginx/tls/partner-ca.pem  # optional: for tls_client_auth
    # optional: edgeListen (default 443), edgeOrigin (default: the verification's origin_domain_name),
    # edgeOriginCa (default: the system bundle)

Once the edge serves it, `pulumi config set checkDiscovery true` adds MtlsDiscoveryCheck (with
edgeAddress = host:port to check the edge before DNS points at it, edgeCaBundle for a private CA).
`make demo` runs all of this against the local emulator and a local nginx.
"""

from pathlib import Path

import pulumi

import auth0_mtls
from auth0_mtls import edge

config = pulumi.Config()
host = config.get("domain") or "login.example.com"


def read_certificate(key: str, path: str) -> str:
    """The PEM file a config key names. Like `auth0:caBundle`, a relative path is read from the
    program's directory (the `main:` of Pulumi.yaml, here examples/mtls-tenant), where Pulumi runs it."""
    try:
        return Path(path).read_text()
    except OSError as error:
        # RunError: the CLI prints this one line instead of a Python traceback.
        raise pulumi.RunError(
            f"config {key}: cannot read {path!r} ({error.strerror}; read from {Path.cwd()}, the program's "
            "directory): give an absolute path, or one relative to that directory") from None


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
            # The PUBLIC certificate; check() refuses a private key.
            pem=read_certificate(f"clientCertificates.{name}", path),
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
                                              for name, cred in zip(sorted(certificates), credentials, strict=True)})
    pulumi.export("certificate_expiry", {name: cred.expires_at
                                         for name, cred in zip(sorted(certificates), credentials, strict=True)})
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

# -- a second application, with a CA-signed certificate (tls_client_auth) ----------------------
# Auth0 matches its certificate's subject DN, once the edge has verified the certificate against
# the client CA (edgeClientCa below).
ca_app_client_id = config.get("caAppClientId")
if ca_app_client_id:
    ca_credential = auth0_mtls.ClientCertificateCredential(
        "partner-b",
        client_id=ca_app_client_id,
        credential_type="cert_subject_dn",
        pem=read_certificate("caClientCertificate", config.require("caClientCertificate")),
        name="partner-b",
    )
    auth0_mtls.ClientMtlsAuthentication(
        "partner-b",
        client_id=ca_app_client_id,
        method="tls_client_auth",
        credential_ids=[ca_credential.credential_id],
        require_proof_of_possession=True,
        opts=pulumi.ResourceOptions(depends_on=[aliases]),
    )
    pulumi.export("ca_certificate_subject_dn", ca_credential.subject_dn)

# -- the edge: nginx in front of Auth0 on <domain> and mtls.<domain> ---------------------------
# Paths are on the edge host. The server certificate must name both <domain> and mtls.<domain>.
edge_certificate = config.get("edgeCertificate")
if edge_certificate:
    nginx_conf = edge.nginx_config(
        domain=domain.domain,
        # Auth0's origin for the domain; `make demo` and the tests point it at the local emulator.
        origin=config.get("edgeOrigin") or verified.origin_domain_name,
        cname_api_key=verified.cname_api_key,
        server_certificate=edge_certificate,
        server_private_key=config.require("edgeCertificateKey"),
        client_ca_certificate=config.get("edgeClientCa"),
        client_ip_header=domain.custom_client_ip_header,
        listen=config.get("edgeListen") or "443",
        origin_ca_certificate=config.get("edgeOriginCa") or edge.DEFAULT_ORIGIN_CA_BUNDLE,
    )
    # A secret (it holds the cname_api_key): ship it to the edge as /etc/nginx/conf.d/<domain>.conf,
    # e.g. with pulumi-command (see the README), then reload nginx.
    pulumi.export("nginx_conf", nginx_conf)

# -- the proof that clients can find the mTLS endpoint -----------------------------------------
# Once the edge serves the configuration: passes when https://<domain>/.well-known/openid-
# configuration, read through the edge, advertises https://mtls.<domain>/oauth/token.
if config.get_bool("checkDiscovery"):
    check = auth0_mtls.MtlsDiscoveryCheck(
        "edge",
        domain=domain.domain,
        connect_to=config.get("edgeAddress"),    # the edge's host:port, before DNS points at it
        ca_bundle=config.get("edgeCaBundle"),    # the CA of the edge's certificate, if private
        timeout_seconds=config.get_float("discoveryTimeoutSeconds") or 300,
        require_bound_tokens=True,
        opts=pulumi.ResourceOptions(depends_on=[aliases]),
    )
    pulumi.export("mtls_token_endpoint", check.mtls_token_endpoint)
