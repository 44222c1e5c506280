"""Pulumi dynamic resources for an Auth0 tenant's mTLS setup.

    domain = CustomDomain("login", domain="login.example.com", tls_policy="recommended",
                          custom_client_ip_header="true-client-ip")
    verified = CustomDomainVerification("login", custom_domain_id=domain.custom_domain_id)
    aliases = TenantMtlsSettings("mtls", enable_endpoint_aliases=True,
                                 opts=pulumi.ResourceOptions(depends_on=[verified]))
    # Passes once https://login.example.com/.well-known/openid-configuration, read through the
    # edge, advertises https://mtls.login.example.com/oauth/token.
    MtlsDiscoveryCheck("edge", domain=domain.domain, opts=pulumi.ResourceOptions(depends_on=[aliases]))

    # An application (created elsewhere) authenticates with its certificate and gets
    # certificate-bound tokens for an API (created elsewhere).
    cred = ClientCertificateCredential("partner-a-2026", client_id=app_client_id,
                                       credential_type="x509_cert", pem=partner_a_certificate_pem)
    ClientMtlsAuthentication("partner-a", client_id=app_client_id, method="self_signed_tls_client_auth",
                             credential_ids=[cred.credential_id], require_proof_of_possession=True)
    ResourceServerProofOfPossession("payments-api", resource_server_id=api_id, mechanism="mtls", required=True)

Path from a program to an HTTP call: resource class (``custom_domain.CustomDomain``) → its provider
hook (``CustomDomainProvider.create``) → ``client.ManagementClient`` → ``requests`` with ``retry_policy.Auth0Retry``.
"""

from .client_authentication import ClientMtlsAuthentication, ClientMtlsAuthenticationArgs
from .client_credential import ClientCertificateCredential, ClientCertificateCredentialArgs
from .custom_domain import CustomDomain, CustomDomainArgs
from .discovery_check import DiscoveryCheckFailed, MtlsDiscoveryCheck, MtlsDiscoveryCheckArgs
from .errors import ApiError, Auth0MtlsError, ConfigurationError, RateLimitError, UnsafeInputError
from .resource_server_pop import ResourceServerProofOfPossession, ResourceServerProofOfPossessionArgs
from .tenant_settings import TenantMtlsSettings, TenantMtlsSettingsArgs
from .verification import CnameApiKeyLost, CustomDomainVerification, CustomDomainVerificationArgs, VerificationTimeout

__all__ = [
    "ApiError",
    "Auth0MtlsError",
    "ClientCertificateCredential",
    "ClientCertificateCredentialArgs",
    "ClientMtlsAuthentication",
    "ClientMtlsAuthenticationArgs",
    "CnameApiKeyLost",
    "ConfigurationError",
    "CustomDomain",
    "CustomDomainArgs",
    "CustomDomainVerification",
    "CustomDomainVerificationArgs",
    "DiscoveryCheckFailed",
    "MtlsDiscoveryCheck",
    "MtlsDiscoveryCheckArgs",
    "RateLimitError",
    "ResourceServerProofOfPossession",
    "ResourceServerProofOfPossessionArgs",
    "TenantMtlsSettings",
    "TenantMtlsSettingsArgs",
    "UnsafeInputError",
    "VerificationTimeout",
]
__version__ = "0.2.0"
