import pytest

from auth0_mtls import credentials
from auth0_mtls.errors import ConfigurationError


def test_stack_config_wins_over_environment():
    creds = credentials.resolve(
        {"auth0:domain": "tenant.eu.auth0.com", "auth0:clientId": "cid", "auth0:clientSecret": "s3cret"},
        {"AUTH0_DOMAIN": "other.auth0.com", "AUTH0_CLIENT_ID": "x", "AUTH0_CLIENT_SECRET": "y"},
    )
    assert creds.base_url == "https://tenant.eu.auth0.com"
    assert creds.client_id == "cid"
    assert creds.audience == "https://tenant.eu.auth0.com/api/v2/"


def test_environment_fallback_and_api_token():
    creds = credentials.resolve({}, {"AUTH0_DOMAIN": "https://t.auth0.com/", "AUTH0_API_TOKEN": "tok"})
    assert creds.base_url == "https://t.auth0.com" and creds.api_token == "tok"


def test_missing_credentials_name_both_ways():
    with pytest.raises(ConfigurationError) as err:
        credentials.resolve({}, {})
    text = str(err.value)
    assert "auth0:domain" in text and "AUTH0_DOMAIN" in text and "auth0:clientSecret" in text
    assert "AUTH0_CLIENT_SECRET" in text and "AUTH0_API_TOKEN" in text


def test_secret_not_in_repr():
    creds = credentials.resolve({}, {"AUTH0_DOMAIN": "t.auth0.com", "AUTH0_CLIENT_ID": "c",
                                     "AUTH0_CLIENT_SECRET": "very-secret-value"})
    assert "very-secret-value" not in repr(creds)


@pytest.mark.parametrize("domain", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"])
def test_plain_http_only_on_loopback(domain):
    assert credentials.normalize_base_url(domain) == domain


@pytest.mark.parametrize("domain", ["http://tenant.auth0.com", "http://10.0.0.1:80", "ftp://x.auth0.com",
                                    "https://t.auth0.com/api/v2", "https://user@t.auth0.com"])
def test_refuses_unsafe_base_urls(domain):
    with pytest.raises(ConfigurationError):
        credentials.normalize_base_url(domain)


@pytest.mark.parametrize("domain, expected", [
    ("TENANT.EU.Auth0.com", "https://tenant.eu.auth0.com"),
    ("HTTPS://Tenant.Auth0.com:443/", "https://tenant.auth0.com"),
    ("https://tenant.auth0.com.", "https://tenant.auth0.com"),
    ("  tenant.auth0.com\n", "https://tenant.auth0.com"),
    ("https://tenant.auth0.com:8443", "https://tenant.auth0.com:8443"),
    ("http://LOCALHOST:8080", "http://localhost:8080"),
])
def test_domain_is_normalised_so_the_token_audience_matches(domain, expected):
    assert credentials.normalize_base_url(domain) == expected


@pytest.mark.parametrize("domain, words", [
    ("https://admin:hunter2@tenant.auth0.com", "user name or password"),
    ("admin:hunter2@tenant.auth0.com", "user name or password"),
    ("https://tenant.auth0.com:0", "port"),
    ("https://tenant.auth0.com:70000", "port"),
    ("https://tenant.auth0.com:https", "port"),
    ("tenant .auth0.com", "space"),
    ("https://tenant.auth0.com/api/v2", "path"),
    ("tenant.auth0.com/x", "path"),
    ("https://tenant.auth0.com?x=1", "path"),
    ("https://ten_ant.auth0.com", "host name"),
    ("https://tenant..auth0.com", "host name"),
    ("https://t\u00e9nant.auth0.com", "punycode"),
    ("https://\u212Aenant.auth0.com", "punycode"),
    ("", "missing"),
])
def test_bad_domains_are_refused_naming_the_key_without_echoing_a_password(domain, words):
    with pytest.raises(ConfigurationError) as err:
        credentials.normalize_base_url(domain, source="auth0:domain")
    text = str(err.value)
    assert "auth0:domain" in text and words in text, text
    assert "hunter2" not in text


def test_resolve_normalises_the_configured_domain():
    creds = credentials.resolve({"auth0:domain": "Tenant.EU.auth0.com", "auth0:apiToken": "t"}, {})
    assert creds.audience == "https://tenant.eu.auth0.com/api/v2/"
    assert creds.tenant == "tenant.eu.auth0.com"
