"""The Pulumi program the certificate-bound-client scenarios run. It reads ``spec.json`` beside it
(rewritten by each test, the way a user edits a program):

    {"credentials": [{"name": "a", "client_id": "…", "credential_type": "x509_cert", "pem": "…"}],
     "auths": [{"name": "app", "client_id": "…", "method": "…", "credentials": ["a", "cred_…"],
                "require_proof_of_possession": true}],
     "apis": [{"name": "payments", "resource_server_id": "…", "mechanism": "mtls", "required": true}]}

An entry of an auth's ``credentials`` that names a credential resource of this program is passed
as its ``credential_id`` Output, as a user would; any other entry is a plain id made outside the
stack.
"""

import json
from pathlib import Path

import pulumi

import auth0_mtls

spec = json.loads((Path(__file__).parent / "spec.json").read_text())

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
    pulumi.export(f"{name}_subject_dn", cred.subject_dn)
    pulumi.export(f"{name}_expires_at", cred.expires_at)

for item in spec.get("auths", []):
    args = dict(item)
    name = args.pop("name")
    ids = [credentials[ref].credential_id if ref in credentials else ref for ref in args.pop("credentials", [])]
    auth = auth0_mtls.ClientMtlsAuthentication(name, credential_ids=ids, **args)
    pulumi.export(f"{name}_method", auth.method)
    pulumi.export(f"{name}_credential_ids", auth.credential_ids)
    pulumi.export(f"{name}_previous", auth.previous_settings)

for item in spec.get("apis", []):
    args = dict(item)
    name = args.pop("name")
    api = auth0_mtls.ResourceServerProofOfPossession(name, **args)
    pulumi.export(f"{name}_api_id", api.id)
    pulumi.export(f"{name}_identifier", api.identifier)
    pulumi.export(f"{name}_previous", api.previous_proof_of_possession)
