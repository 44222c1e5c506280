"""Starting tenant settings document.

Copied from a recorded real ``PATCH /tenants/settings`` response (auth0/terraform-provider-auth0
``TestAccTenant_Main.yaml``), minus ``mtls``: a fresh tenant has never had endpoint aliases set.
"""

from __future__ import annotations

import copy
from typing import Any

_DEFAULT: dict[str, Any] = {
    "allowed_logout_urls": ["https://mycompany.org/logoutCallback"],
    "change_password": {"enabled": False},
    "default_audience": "",
    "default_directory": "",
    "default_redirection_uri": "https://example.com/login",
    "enabled_locales": ["en", "de", "fr"],
    "flags": {
        "allow_changing_enable_sso": False,
        "allow_legacy_delegation_grant_types": True,
        "allow_legacy_ro_grant_types": True,
        "allow_other_legacy_grant_types": True,
        "cannot_change_enforce_client_authentication_on_passwordless_start": True,
        "disable_impersonation": True,
        "disable_management_api_sms_obfuscation": False,
        "enable_dynamic_client_registration": True,
        "enable_public_signup_user_exists_error": True,
        "enable_sso": True,
        "enforce_client_authentication_on_passwordless_start": True,
        "universal_login": True,
        "use_scope_descriptions_for_consent": True,
        "no_disclose_enterprise_connections": False,
        "revoke_refresh_token_grant": False,
        "disable_fields_map_fix": False,
        "mfa_show_factor_list_on_enrollment": False,
        "remove_alg_from_jwks": True,
        "disable_clickjack_protection_headers": True,
    },
    "friendly_name": "My Test Tenant",
    "guardian_mfa_page": {"enabled": False},
    "idle_session_lifetime": 72,
    "ephemeral_session_lifetime": 48,
    "idle_ephemeral_session_lifetime": 36,
    "picture_url": "https://mycompany.org/logo.png",
    "sandbox_version": "18",
    "session_lifetime": 720,
    "support_email": "support@mycompany.org",
    "support_url": "https://mycompany.org/support",
    "sessions": {"oidc_logout_prompt_enabled": False},
    "oidc_logout": {"rp_logout_end_session_endpoint_discovery": True},
    "allow_organization_name_in_authentication_api": False,
    "customize_mfa_in_postlogin_action": False,
    "pushed_authorization_requests_supported": True,
    "skip_non_verifiable_callback_uri_confirmation_prompt": False,
    "universal_login": {"colors": {"page_background": "#FF4F40", "primary": "#2A2E35"}},
    "resource_parameter_profile": "audience",
    "phone_consolidated_experience": True,
    "client_id_metadata_document_supported": True,
    "dynamic_client_registration_security_mode": "permissive",
    "session_cookie": {"mode": "non-persistent"},
}

# Top-level properties of UpdateTenantSettingsRequestContent (as generated into the
# official auth0-python v6 SDK), plus ``universal_login`` which real tenants return and
# accept. Anything else is rejected as the real schema (additionalProperties: false) does.
UPDATABLE_PROPERTIES: frozenset[str] = frozenset(
    {
        "change_password", "device_flow", "guardian_mfa_page", "default_audience", "default_directory",
        "error_page", "default_token_quota", "flags", "friendly_name", "picture_url", "support_email",
        "support_url", "allowed_logout_urls", "session_lifetime", "session_lifetime_in_minutes",
        "idle_session_lifetime", "idle_session_lifetime_in_minutes", "ephemeral_session_lifetime",
        "idle_ephemeral_session_lifetime", "ephemeral_session_lifetime_in_minutes",
        "idle_ephemeral_session_lifetime_in_minutes", "sandbox_version", "legacy_sandbox_version",
        "default_redirection_uri", "enabled_locales", "access_token", "security_headers", "session_cookie",
        "sessions", "oidc_logout", "customize_mfa_in_postlogin_action",
        "allow_organization_name_in_authentication_api", "acr_values_supported", "mtls",
        "pushed_authorization_requests_supported", "authorization_response_iss_parameter_supported",
        "dpop_strict_refresh_token_binding", "skip_non_verifiable_callback_uri_confirmation_prompt",
        "resource_parameter_profile", "client_id_metadata_document_supported",
        "client_id_metadata_document_dynamic_registration_supported", "enable_ai_guide",
        "phone_consolidated_experience", "include_session_metadata_in_tenant_logs",
        "dynamic_client_registration_security_mode", "country_codes", "universal_login",
    }
)


def default_tenant_settings() -> dict[str, Any]:
    return copy.deepcopy(_DEFAULT)
