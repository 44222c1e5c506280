"""The Pulumi program a release's compatibility fixture is recorded with (tests/compat/record_fixture.py).
It reads ``spec.json`` beside it and declares every resource the release ships that can be recorded
against the emulator alone:

    {"domains": [{"name": "login", "domain": "…", "verify": {…}, …}],
     "tenant": {"enable_endpoint_aliases": true},
     "credentials": [{"name": "a", "client_id": "…", "credential_type": "x509_cert", "pem": "…",
                      "display_name": "…"}],
     "auths": [{"name": "app", "client_id": "…", "method": "…", "credentials": ["a"],
                "require_proof_of_possession": true}],
     "apis": [{"name": "payments", "resource_server_id": "…", "mechanism": "mtls", "required": true}]}

A copy is kept beside each fixture: a user upgrading the package keeps their program, so the replay
runs the program the release ran, whatever the e2e programs become.
"""

import json
from pathlib import Path

import pulumi

import auth0_mtls

spec = json.loads((Path(__file__).parent / "spec.json").read_text())

verifications = []
for item in spec.get("domains", []):
    args = dict(item)
    name = args.pop("name")
    verify = args.pop("verify", None)
    domain = auth0_mtls.CustomDomain(name, **args)
    pulumi.export(f"{name}_id", domain.custom_domain_id)
    pulumi.export(f"{name}_status", domain.status)
    if verify is not None:
        verified = auth0_mtls.CustomDomainVerification(name, custom_domain_id=domain.custom_domain_id, **verify)
        verifications.append(verified)
        pulumi.export(f"{name}_cname_api_key", verified.cname_api_key)
        pulumi.export(f"{name}_origin", verified.origin_domain_name)

if "tenant" in spec:
    settings = auth0_mtls.TenantMtlsSettings(
        "mtls", **spec["tenant"], opts=pulumi.ResourceOptions(depends_on=verifications))
    pulumi.export("mtls_enabled", settings.enable_endpoint_aliases)
    pulumi.export("mtls_previous", settings.previous_mtls)

credentials: dict[str, auth0_mtls.ClientCertificateCredential] = {}
for item in spec.get("credentials", []):
    args = dict(item)
    name = args.pop("name")
    if "display_name" in args:
        args["name"] = args.pop("display_name")
    cred = auth0_mtls.ClientCertificateCredential(name, **args)
    credentials[name] = cred
    pulumi.export(f"{name}_id", cred.credential_id)
    pulumi.export(f"{name}_thumbprint", cred.thumbprint_sha256)

for item in spec.get("auths", []):
    args = dict(item)
    name = args.pop("name")
    # A credential of this program is passed as its Output, as a user would; other entries are ids.
    ids = [credentials[ref].credential_id if ref in credentials else ref for ref in args.pop("credentials", [])]
    auth = auth0_mtls.ClientMtlsAuthentication(name, credential_ids=ids, **args)
    pulumi.export(f"{name}_method", auth.method)
    pulumi.export(f"{name}_previous", auth.previous_settings)

for item in spec.get("apis", []):
    args = dict(item)
    name = args.pop("name")
    api = auth0_mtls.ResourceServerProofOfPossession(name, **args)
    pulumi.export(f"{name}_api_id", api.id)
    pulumi.export(f"{name}_previous", api.previous_proof_of_possession)
