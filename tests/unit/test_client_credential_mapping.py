from datetime import datetime, timedelta

from pulumi.output import Unknown

from auth0_mtls import client_credential as cc
from auth0_mtls.certificates import PEM_HARD_LIMIT_CHARS, parse_timestamp
from auth0_mtls.validation import UNKNOWN
from certs import RECORDED_PEM, RECORDED_SUBJECT_DN, RECORDED_THUMBPRINT, make_certificate

CLIENT = "wTMu3GdYixbq3sFYvbDnjwHC8WZDm4Tg"
# Recorded create responses (reference 1.10.1 and 1.10.2).
REAL_X509 = {"id": "cred_18NYwjPY2FbzrH6TpcNE6H", "credential_type": "x509_cert", "name": "Testing Credentials 1",
             "thumbprint_sha256": RECORDED_THUMBPRINT, "created_at": "2025-11-18T17:28:44.045Z",
             "updated_at": "2025-11-18T17:28:44.045Z", "expires_at": "2033-05-13T09:33:13.000Z"}
REAL_DN = {"id": "cred_aLRnq8qR6RAWqJMnyRSiXm", "credential_type": "cert_subject_dn", "name": "Testing Credentials 1",
           "subject_dn": RECORDED_SUBJECT_DN, "created_at": "2025-11-18T17:27:07.382Z",
           "updated_at": "2025-11-18T17:27:07.382Z"}


def checked(olds=None, **kw):
    news = {"client_id": CLIENT, "credential_type": "x509_cert", "pem": RECORDED_PEM, "name": "Testing Credentials 1",
            **kw}
    return cc.check_inputs(news, olds)


def props_of(failures):
    return [prop for prop, _ in failures]


def test_check_derives_what_auth0_will_report_so_the_preview_shows_it():
    inputs, failures, warnings = checked()
    assert failures == [] and warnings == []
    assert inputs["thumbprint_sha256"] == RECORDED_THUMBPRINT
    assert inputs["expires_at"] == "2033-05-13T09:33:13.000Z"
    assert inputs["subject_dn"] == RECORDED_SUBJECT_DN
    assert inputs["pem"].endswith("-----END CERTIFICATE-----\n") and "\n\n" not in inputs["pem"]


def test_private_key_failure_names_no_property_and_keeps_no_key():
    issued = make_certificate()
    inputs, failures, _ = checked(pem=issued.pem + issued.key_pem)
    [(prop, reason)] = failures
    assert prop == "", "a named property would make the engine print the pem, key included"
    assert reason.startswith("pem contains a private key")
    assert issued.key_pem not in str(inputs) and inputs["pem"] == cc.REDACTED
    for line in issued.key_pem.splitlines()[1:-1]:
        assert line not in reason


def test_a_key_after_the_length_limit_is_still_refused_as_a_key_and_not_returned():
    issued = make_certificate()
    filler = "x" * PEM_HARD_LIMIT_CHARS  # the key starts past the limit, where a prefix scan would not look
    inputs, failures, _ = checked(pem=filler + "\n" + issued.key_pem)
    [(prop, reason)] = failures
    assert prop == "" and reason.startswith("pem contains a private key")
    assert inputs["pem"] == cc.REDACTED
    for line in issued.key_pem.splitlines()[1:-1]:
        assert line not in str(inputs) and line not in reason


def test_each_bad_input_is_refused_naming_the_property():
    cases = {
        "credential_type": dict(credential_type="public_key"),
        "subject_dn": dict(subject_dn="CN=x"),  # with x509_cert
        "client_id": dict(client_id="../tenants/settings"),
        "name": dict(name="n" * 129),
    }
    for prop, kw in cases.items():
        _, failures, _ = checked(**kw)
        assert prop in props_of(failures), (prop, failures)
    _, failures, _ = checked(credential_type="public_key")
    assert "private_key_jwt" in failures[0][1] and "x509_cert" in failures[0][1]
    _, failures, _ = checked(credential_type="cert_subject_dn", subject_dn="CN=x")
    assert "either pem or subject_dn" in failures[0][1]
    _, failures, _ = checked(pem=None)
    assert failures == [("", "pem is required: pem, the client's public certificate")]
    _, failures, _ = checked(credential_type="cert_subject_dn", pem=None, subject_dn="no equals sign")
    assert props_of(failures) == ["subject_dn"]
    _, failures, _ = checked(credential_type="cert_subject_dn", pem=None, subject_dn="CN=" + "x" * 260)
    assert "at most 256" in failures[0][1]


def test_subject_dn_alone_for_ca_signed_credentials():
    inputs, failures, _ = checked(credential_type="cert_subject_dn", pem=None,
                                  subject_dn=" C=es\r\nST=Madrid\nL=Madrid\nO=Okta\nOU=DX-CDT\n"
                                             "CN=Developer Experience ")
    assert failures == []
    assert inputs["subject_dn"] == RECORDED_SUBJECT_DN
    assert inputs["thumbprint_sha256"] is None and inputs["expires_at"] is None


def test_expired_certificate_refused_when_new_but_not_when_already_in_the_stack():
    expired = make_certificate(days=-1, starts_days_ago=10).pem
    _, failures, _ = checked(pem=expired)
    assert failures and failures[0][0] == "" and "expired" in failures[0][1]
    _, failures, warnings = checked(olds={"pem": expired}, pem=expired)
    assert failures == [] and "expired" in warnings[0]


def test_unknown_pem_makes_derived_values_unknown():
    inputs, failures, _ = checked(pem=Unknown())
    assert failures == []
    assert (inputs["thumbprint_sha256"] == UNKNOWN and inputs["expires_at"] == UNKNOWN
            and inputs["subject_dn"] == UNKNOWN)
    inputs, failures, _ = checked(client_id=UNKNOWN)
    assert failures == []


def test_expand_create_sends_only_what_the_type_takes():
    inputs, _, _ = checked()
    assert cc.expand_create(inputs) == {"credential_type": "x509_cert", "name": "Testing Credentials 1",
                                        "pem": inputs["pem"]}
    inputs, _, _ = checked(credential_type="cert_subject_dn", pem=None, subject_dn=RECORDED_SUBJECT_DN)
    assert cc.expand_create(inputs) == {"credential_type": "cert_subject_dn", "name": "Testing Credentials 1",
                                        "subject_dn": RECORDED_SUBJECT_DN}


def test_flatten_recorded_responses_keeps_pem_and_fills_what_auth0_omits():
    inputs, _, _ = checked()
    outs = cc.flatten(REAL_X509, inputs)
    assert outs["thumbprint_sha256"] == RECORDED_THUMBPRINT and outs["created_at"] == "2025-11-18T17:28:44.045Z"
    assert outs["pem"] == inputs["pem"], "Auth0 never returns the pem"
    assert outs["subject_dn"] == RECORDED_SUBJECT_DN, "x509_cert responses omit it: derived locally"
    assert cc.compare_with_auth0(REAL_X509, inputs) == []

    ca_inputs, _, _ = checked(credential_type="cert_subject_dn")
    outs = cc.flatten(REAL_DN, ca_inputs)
    assert outs["subject_dn"] == RECORDED_SUBJECT_DN and outs["expires_at"] == "2033-05-13T09:33:13.000Z"
    assert cc.compare_with_auth0(REAL_DN, ca_inputs) == []


def test_differences_from_auth0_are_reported():
    inputs, _, _ = checked(credential_type="cert_subject_dn")
    notes = cc.compare_with_auth0({**REAL_DN, "subject_dn": "CN=Developer Experience,OU=DX-CDT"}, inputs)
    assert "renders the subject DN" in notes[0]
    notes = cc.compare_with_auth0({**REAL_X509, "thumbprint_sha256": "other", "expires_at": "2033-05-13T09:33:14Z"},
                                  checked()[0])
    assert len(notes) == 2


def test_diff_replaces_on_every_identity_change_and_ignores_derived_values():
    inputs, _, _ = checked()
    olds = cc.flatten(REAL_X509, inputs)
    provider = cc.ClientCertificateCredentialProvider()
    assert provider.diff(REAL_X509["id"], olds, inputs).changes is False
    reformatted, _, _ = checked(pem=RECORDED_PEM.replace("\n", "\r\n"))
    assert provider.diff(REAL_X509["id"], olds, reformatted).changes is False
    # Auth0's DN rendering differing from ours never replaces a pem credential
    assert provider.diff(REAL_X509["id"], {**olds, "subject_dn": "CN=other"}, inputs).changes is False
    for kw, key in [(dict(name="renamed"), "name"), (dict(pem=make_certificate().pem), "pem"),
                    (dict(client_id="otherClient"), "client_id"),
                    (dict(credential_type="cert_subject_dn"), "credential_type"),
                    (dict(pem=Unknown()), "pem")]:
        news, _, _ = checked(**kw)
        result = provider.diff(REAL_X509["id"], olds, news)
        assert result.changes is True and result.replaces == [key] and result.delete_before_replace is False


def test_diff_on_declared_subject_dn():
    inputs, _, _ = checked(credential_type="cert_subject_dn", pem=None, subject_dn=RECORDED_SUBJECT_DN)
    olds = cc.flatten({**REAL_DN, "subject_dn": "CN=Developer Experience,OU=DX-CDT,O=Okta,L=Madrid,ST=Madrid,C=es"},
                      inputs)
    assert olds["subject_dn"] == RECORDED_SUBJECT_DN, "a declared DN stays as declared"
    provider = cc.ClientCertificateCredentialProvider()
    assert provider.diff("cred_x", olds, inputs).changes is False
    news, _, _ = checked(credential_type="cert_subject_dn", pem=None, subject_dn="C=es\nCN=Someone Else")
    assert provider.diff("cred_x", olds, news).replaces == ["subject_dn"]


def test_refresh_round_trip_has_no_diff():
    inputs, _, _ = checked()
    outs = cc.flatten(REAL_X509, inputs)
    refreshed = cc.inputs_from_outputs(outs)
    assert cc.ClientCertificateCredentialProvider().diff("cred_x", outs, checked(olds=refreshed)[0]).changes is False


def test_duplicates_from_a_retried_create_are_recognised():
    kept = REAL_X509  # stamped 17:28:44.045 by the attempt whose answer arrived
    took = timedelta(seconds=3)  # from sending the first POST to that answer
    copy = {**REAL_X509, "id": "cred_other", "created_at": "2025-11-18T17:28:42.500Z"}
    assert cc.is_duplicate(copy, kept, took), "made by the first attempt"
    assert cc.is_duplicate({**copy, "created_at": "2025-11-18T17:28:44.900Z"}, kept, took), \
        "a first attempt Auth0 handled after the retry is a copy too"
    assert not cc.is_duplicate(kept, kept, took)
    assert not cc.is_duplicate({**copy, "name": "other"}, kept, took)
    assert not cc.is_duplicate({**copy, "credential_type": "cert_subject_dn"}, kept, took)
    assert not cc.is_duplicate({**copy, "thumbprint_sha256": "x"}, kept, took)
    assert cc.is_duplicate({**REAL_DN, "id": "cred_2"}, REAL_DN, took)
    assert not cc.is_duplicate({**REAL_DN, "id": "cred_2", "subject_dn": "CN=x"}, REAL_DN, took)
    assert not cc.is_duplicate({**copy, "created_at": None}, kept, took)


def test_a_look_alike_made_before_the_first_post_is_not_a_copy():
    kept = REAL_X509
    took = timedelta(seconds=3)
    sent = parse_timestamp(kept["created_at"]) - took  # when the first POST reached Auth0, at the latest

    def made(at: datetime) -> dict:
        return {**REAL_X509, "id": "cred_someone_elses", "created_at": at.isoformat(timespec="milliseconds")}

    assert cc.is_duplicate(made(sent - cc.CLOCK_SKEW), kept, took), "within the clock-skew allowance"
    assert not cc.is_duplicate(made(sent - cc.CLOCK_SKEW - timedelta(milliseconds=1)), kept, took)
    assert not cc.is_duplicate(made(sent - timedelta(minutes=1)), kept, took), "a minute earlier: someone else's"
    assert not cc.is_duplicate(made(sent - timedelta(days=1)), kept, took)
    # A longer create (retries backing off) widens the bound by exactly that time.
    assert cc.is_duplicate(made(sent - timedelta(minutes=1)), kept, took + timedelta(minutes=1))


def test_declared_type_lookup_is_by_identity_only():
    marker = object()
    cc._declared_types[id(marker)] = (marker, "x509_cert")  # type: ignore[assignment]
    try:
        assert cc.declared_credential_type(marker) == "x509_cert"
        assert cc.declared_credential_type(object()) is None
        assert cc.declared_credential_type("cred_abc") is None
    finally:
        del cc._declared_types[id(marker)]


def test_a_certificate_of_the_other_kind_warns_saying_which_type_fits():
    ca = make_certificate("partner-ca", org="Partner CA")
    ca_signed = make_certificate("b", issuer=ca)
    self_signed = make_certificate("a")
    inputs, failures, [warning] = checked(credential_type="x509_cert", pem=ca_signed.pem)
    assert failures == [] and inputs["thumbprint_sha256"], "a warning, not a refusal: Auth0 accepts it"
    assert "is issued by C=US, O=Partner CA, CN=partner-ca, not self-signed" in warning
    assert "client-certificate-ca-verified" in warning
    assert "use credential_type cert_subject_dn with method tls_client_auth" in warning
    inputs, failures, [warning] = checked(credential_type="cert_subject_dn", pem=self_signed.pem)
    assert failures == [] and inputs["subject_dn"] == "C=US\nO=Partner A\nCN=a"
    assert "(C=US, O=Partner A, CN=a) is self-signed" in warning and "FAILED" in warning
    assert "Use credential_type x509_cert with method self_signed_tls_client_auth" in warning
    # The kind each type is for: no warning.
    assert checked(credential_type="x509_cert", pem=self_signed.pem)[2] == []
    assert checked(credential_type="cert_subject_dn", pem=ca_signed.pem)[2] == []
    # A declared subject_dn has no certificate to look at.
    assert checked(credential_type="cert_subject_dn", pem=None, subject_dn="CN=a")[2] == []
