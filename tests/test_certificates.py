"""Certificates that anyone can verify: the PDF (name, identifier, QR code to the public page),
the Open Badges 3.0 credential (JSON Schema, VC-JWT checked by an independent JOSE library
against the published JWKS), tampering, key rotation, the CLI verdicts, the public page for
valid, expired and revoked certificates, revocation by admins only, owner-only downloads."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import TEST_CONTENT, Auth, csrf_from, seed
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlmodel import select

from lms import db
from lms.cli import main
from lms.config import ConfigError
from lms.models import AuditEvent, Certificate, Course, Role, User
from lms.services import credentials
from lms.services.accounts import create_user

SCHEMAS = Path(__file__).resolve().parent / "standards" / "openbadges-3.0"  # copies of ../shared/standards
HOLDER = "Élodie Bœuf-Lefèvre"


def write_key(folder: Path, name: str, kind: str = "ed25519") -> Path:
    key = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" \
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@pytest.fixture
def keys_dir(tmp_path):
    folder = tmp_path / "keys"
    write_key(folder, "2025-01-key.pem")
    return folder


@pytest.fixture
def world(make_app, keys_dir):
    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEYS=str(keys_dir), ORG_NAME="Acme Académie")
    seed(app)
    with app.app_context(), db.new_session() as s:
        create_user(s, "other@example.org", "Other Learner", "demo-password", Role.LEARNER)
    return app


def make_cert(app, *, email="learner@example.org", holder=HOLDER, issued=None, expires=timedelta(days=730),
              revoked: str | None = None, public_id: str | None = None) -> str:
    now = datetime.now(timezone.utc)
    issued = issued or now - timedelta(days=1)
    with app.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        course = s.exec(select(Course).where(Course.slug == "mini")).one()
        cert = Certificate(public_id=public_id or f"c-{hashlib.sha1(str((holder, issued, revoked)).encode()).hexdigest()[:16]}",
                           user_id=user.id, course_id=course.id, holder_name=holder,
                           title=course.certification["title"], issued_at=issued,
                           expires_at=issued + expires if expires else None,
                           revoked_at=now if revoked else None, revoked_reason=revoked)
        s.add(cert)
        s.commit()
        return cert.public_id


def signed_in(app, email="learner@example.org"):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def schema_validator():
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource

    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        doc = json.loads(path.read_text())
        resources.append((doc["$id"], Resource.from_contents(doc)))
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / "achievementcredential.schema.json").read_text())
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def joserfc_decode(token: str, jwks: dict):
    """Verify with joserfc, a JOSE implementation independent of the PyJWT used to sign."""
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc notes that RFC 9864 prefers "Ed25519" to "EdDSA"
        return jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["EdDSA", "RS256"])


def tamper(token: str) -> str:
    """The same JWT with one character of its payload changed."""
    header, payload, signature = token.split(".")
    i = len(payload) // 2
    swapped = "B" if payload[i] != "B" else "C"
    return ".".join([header, payload[:i] + swapped + payload[i + 1:], signature])


def cli(app, *args):
    return app.test_cli_runner().invoke(main, ["certificates", "verify", *args])


# -- the PDF ------------------------------------------------------------------------------------
def test_pdf_has_the_name_the_identifier_and_a_qr_code_to_the_verification_url(world):
    import pypdfium2
    import zxingcpp
    from pypdf import PdfReader

    public_id = make_cert(world)
    client = signed_in(world)
    r = client.get(f"/certificates/{public_id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(r.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = reader.pages[0].extract_text()
    assert HOLDER in text and public_id in text and "Mini certificate" in text and "ACME ACADÉMIE" in text
    assert "CERTIFICATE" in text and "Valid until" in text

    page = pypdfium2.PdfDocument(r.data)[0]
    image = page.render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [f"http://localhost/verify/{public_id}"]
    assert codes[0].format == zxingcpp.BarcodeFormat.QRCode

    french = client.get(f"/certificates/{public_id}.pdf?lang=fr")
    text = PdfReader(io.BytesIO(french.data)).pages[0].extract_text()
    assert "CERTIFICAT" in text and "Mini-certificat" in text and HOLDER in text and "Valable jusqu’au" in text


def test_pdf_dates_are_the_days_in_the_organisations_time_zone(world):
    """Issued at 23:30 UTC on 31 December 2025: 1 January 2026 in Paris (the default zone)."""
    from pypdf import PdfReader

    public_id = make_cert(world, issued=datetime(2025, 12, 31, 23, 30, tzinfo=timezone.utc), public_id="c-new-year")
    client = signed_in(world)
    text = PdfReader(io.BytesIO(client.get(f"/certificates/{public_id}.pdf").data)).pages[0].extract_text()
    assert "January 1, 2026" in text and "December 31, 2025" not in text
    world.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    text = PdfReader(io.BytesIO(client.get(f"/certificates/{public_id}.pdf").data)).pages[0].extract_text()
    assert "December 31, 2025" in text


def test_pdf_in_the_learners_language_with_the_organisations_logo(world, tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), (29, 53, 87)).save(logo)
    world.config["ORG_LOGO"] = str(logo)
    public_id = make_cert(world)
    with world.app_context(), db.new_session() as s:
        user = s.exec(select(User).where(User.email == "learner@example.org")).one()
        user.locale = "fr"
        s.add(user)
        s.commit()
    r = signed_in(world).get(f"/certificates/{public_id}.pdf")
    page = PdfReader(io.BytesIO(r.data)).pages[0]
    text = page.extract_text()
    assert "CERTIFICAT" in text and "Mini-certificat" in text and "Délivré le" in text
    assert len(page.images) == 1


# -- the Open Badges 3.0 credential -------------------------------------------------------------
def test_credential_validates_against_the_open_badges_schema(world):
    public_id = make_cert(world)
    client = signed_in(world)
    r = client.get(f"/certificates/{public_id}/credential.json")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    credential = json.loads(r.data)
    validator = schema_validator()
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(credential)]
    assert errors == []

    assert credential["@context"] == credentials.CONTEXT
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"http://localhost/verify/{public_id}"
    assert credential["issuer"] == {"id": "http://localhost/credentials/issuer", "type": ["Profile"],
                                    "name": "Acme Académie", "url": "http://localhost/"}
    assert credential["validFrom"].endswith("Z") and credential["validUntil"].endswith("Z")
    subject = credential["credentialSubject"]
    email_id, name_id = subject["identifier"]
    assert email_id["identityType"] == "emailAddress" and email_id["hashed"] is True
    assert email_id["identityHash"] == "sha256$" + hashlib.sha256(
        ("learner@example.org" + email_id["salt"]).encode()).hexdigest()
    assert name_id == {"type": "IdentityObject", "identityHash": HOLDER, "identityType": "name", "hashed": False}
    assert "learner@example.org" not in r.get_data(as_text=True)
    achievement = subject["achievement"]
    assert achievement["name"] == "Mini certificate" and achievement["criteria"]["narrative"]
    assert credential["credentialStatus"] == {"id": f"http://localhost/credentials/status/{public_id}",
                                              "type": "1EdTechRevocationList"}

    # The JWT's payload is the same credential, and is schema-valid too.
    token = client.get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True)
    from_jwt = credentials.credential_from_jwt(token)
    assert list(validator.iter_errors(from_jwt)) == []
    assert from_jwt == {k: v for k, v in credential.items() if k != "proof"}
    assert credential["proof"][0]["jwt"] == token

    # The public documents it points to.
    anonymous = world.test_client()
    status = anonymous.get(f"/credentials/status/{public_id}").get_json()
    assert status["id"] == credential["credentialStatus"]["id"] and status["revokedCredentials"] == []
    issuer = anonymous.get("/credentials/issuer").get_json()
    assert issuer["id"] == credential["issuer"]["id"] and issuer["jwks_uri"] == "http://localhost/.well-known/jwks.json"
    assert issuer["assertionMethod"] == [k["kid"] for k in anonymous.get("/.well-known/jwks.json").get_json()["keys"]]
    assert anonymous.get("/credentials/achievements/mini").get_json()["id"] == achievement["id"]
    assert anonymous.get("/credentials/achievements/nope").status_code == 404


def test_jwt_signature_verifies_with_an_independent_library_against_the_published_jwks(world):
    public_id = make_cert(world)
    token = signed_in(world).get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True)
    r = world.test_client().get("/.well-known/jwks.json")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    jwks = r.get_json()
    assert all("d" not in key for key in jwks["keys"])

    decoded = joserfc_decode(token, jwks)
    assert decoded.header == {"alg": "EdDSA", "kid": jwks["keys"][0]["kid"], "typ": "JWT"}
    assert decoded.header["kid"].startswith("http://localhost/.well-known/jwks.json#")
    claims = decoded.claims
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"] and claims["sub"].startswith("urn:uuid:")
    valid_from = datetime.fromisoformat(claims["validFrom"].replace("Z", "+00:00"))
    valid_until = datetime.fromisoformat(claims["validUntil"].replace("Z", "+00:00"))
    assert claims["nbf"] == int(valid_from.timestamp()) and claims["exp"] == int(valid_until.timestamp())

    # Downloading again gives the very same credential: it was issued once.
    assert signed_in(world).get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True) == token


def test_rs256_keys_sign_rs256(make_app, tmp_path):
    folder = tmp_path / "rsa"
    write_key(folder, "org.pem", kind="rsa")
    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEYS=str(folder))
    seed(app)
    public_id = make_cert(app)
    token = signed_in(app).get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True)
    jwks = app.test_client().get("/.well-known/jwks.json").get_json()
    assert jwks["keys"][0]["kty"] == "RSA" and jwks["keys"][0]["alg"] == "RS256"
    assert joserfc_decode(token, jwks).header["alg"] == "RS256"


def test_one_changed_character_fails_verification(world, tmp_path):
    from joserfc.errors import BadSignatureError, DecodeError

    public_id = make_cert(world)
    client = signed_in(world)
    token = client.get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True)
    document = client.get(f"/certificates/{public_id}/credential.json").get_data(as_text=True)
    jwks = world.test_client().get("/.well-known/jwks.json").get_json()
    forged = tamper(token)
    with pytest.raises((BadSignatureError, DecodeError, ValueError)):
        joserfc_decode(forged, jwks)

    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks))
    files = {}
    for name, text in (("good.jwt", token), ("forged.jwt", forged), ("good.json", document),
                       ("forged.json", document.replace(HOLDER, HOLDER.replace("É", "E"))),
                       ("forged-hash.json", document.replace('"sha256$', '"sha256$0'))):
        files[name] = tmp_path / name
        files[name].write_text(text)

    result = cli(world, str(files["good.jwt"]), "--jwks", str(jwks_file))
    assert result.exit_code == 0 and result.output.startswith("valid"), result.output
    assert "Mini certificate" in result.output and "Acme Académie" in result.output
    result = cli(world, str(files["good.json"]), "--jwks", str(jwks_file))
    assert result.exit_code == 0 and result.output.startswith("valid"), result.output
    for name in ("forged.jwt", "forged.json", "forged-hash.json"):
        result = cli(world, str(files[name]), "--jwks", str(jwks_file))
        assert result.exit_code == 1 and result.output.startswith("invalid"), (name, result.output)
    result = cli(world, str(files["forged.jwt"]), "--jwks", str(jwks_file))
    assert "invalid signature" in result.output

    # Another issuer's keys: not valid either.
    other = {"keys": [{**jwks["keys"][0], "x": jwks["keys"][0]["x"][::-1]}]}
    assert credentials.verify(token, other).status == "invalid"
    # Without --jwks, the platform's own keys.
    result = cli(world, str(files["good.jwt"]))
    assert result.exit_code == 0 and result.output.startswith("valid"), result.output
    result = cli(world, str(files["forged.jwt"]), "--json")
    assert result.exit_code == 1 and json.loads(result.output)["status"] == "invalid"


def test_cli_says_expired_not_yet_valid_and_revoked(world, tmp_path):
    long_ago = datetime.now(timezone.utc) - timedelta(days=800)
    expired = make_cert(world, issued=long_ago, expires=timedelta(days=730))
    revoked = make_cert(world, holder="Revoked Holder")
    client = signed_in(world)
    paths = {}
    for public_id in (expired, revoked):
        paths[public_id] = tmp_path / f"{public_id}.jwt"
        paths[public_id].write_text(client.get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True))
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(world.test_client().get("/.well-known/jwks.json").get_data(as_text=True))

    result = cli(world, str(paths[expired]), "--jwks", str(jwks_file))
    assert result.exit_code == 1 and result.output.startswith("expired"), result.output
    token = paths[revoked].read_text()
    jwks = json.loads(jwks_file.read_text())
    assert credentials.verify(token, jwks, now=long_ago).status == "not_yet_valid"
    assert credentials.verify(token, jwks).status == "valid"

    admin = signed_in(world, "admin@example.org")
    page = admin.get(f"/verify/{revoked}").get_data(as_text=True)
    admin.post(f"/admin/certificates/{revoked}/revoke", data={"csrf_token": csrf_from(page), "reason": "Exam fraud"})
    result = cli(world, str(paths[revoked]))  # inside the platform: revocation is known
    assert result.exit_code == 1 and result.output.startswith("revoked") and "Exam fraud" in result.output


def test_key_rotation_keeps_old_credentials_verifiable(world, keys_dir):
    first = make_cert(world, holder="First Holder")
    client = signed_in(world)
    old_token = client.get(f"/certificates/{first}/credential.jwt").get_data(as_text=True)
    old_kid = joserfc_decode(old_token, world.test_client().get("/.well-known/jwks.json").get_json()).header["kid"]

    write_key(keys_dir, "2026-01-key.pem")  # newer in sort order: it signs from now on
    second = make_cert(world, holder="Second Holder")
    new_token = client.get(f"/certificates/{second}/credential.jwt").get_data(as_text=True)
    jwks = world.test_client().get("/.well-known/jwks.json").get_json()
    assert len(jwks["keys"]) == 2
    new_kid = joserfc_decode(new_token, jwks).header["kid"]
    assert new_kid != old_kid and jwks["keys"][-1]["kid"] == new_kid
    assert joserfc_decode(old_token, jwks).claims["jti"].endswith(first)  # the old one still verifies
    assert credentials.verify(old_token, jwks).status == "valid"
    assert client.get(f"/certificates/{first}/credential.jwt").get_data(as_text=True) == old_token

    (keys_dir / "2025-01-key.pem").unlink()  # a withdrawn key no longer vouches for anything
    jwks = world.test_client().get("/.well-known/jwks.json").get_json()
    assert credentials.verify(old_token, jwks).status == "invalid"
    assert credentials.verify(new_token, jwks).status == "valid"


def test_signing_keys_in_production_and_in_development(make_app, tmp_path, monkeypatch, caplog):
    with pytest.raises(ConfigError, match="LMS_SIGNING_KEYS or LMS_SIGNING_KEY"):
        make_app(LMS_ENV="production")
    pem = write_key(tmp_path / "env", "k.pem").read_text()
    assert make_app(LMS_ENV="production", SIGNING_KEY=pem)

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(CONTENT_DIR=TEST_CONTENT)
    seed(app)
    public_id = make_cert(app)
    with caplog.at_level(logging.WARNING):
        token = signed_in(app).get(f"/certificates/{public_id}/credential.jwt").get_data(as_text=True)
    generated = tmp_path / "instance" / "signing-keys" / "development-ed25519.pem"
    assert generated.exists() and generated.stat().st_mode & 0o077 == 0
    assert "Generated a development signing key" in caplog.text
    assert joserfc_decode(token, app.test_client().get("/.well-known/jwks.json").get_json()).header["alg"] == "EdDSA"


# -- the public page, revocation, access --------------------------------------------------------
def test_public_page_and_json_for_valid_expired_and_revoked(world):
    valid = make_cert(world)
    expired = make_cert(world, issued=datetime.now(timezone.utc) - timedelta(days=800))
    revoked = make_cert(world, revoked="Issued by mistake")
    anonymous = world.test_client()
    for public_id, state, words in ((valid, "valid", "genuine and valid"), (expired, "expired", "has expired"),
                                    (revoked, "revoked", "has been revoked")):
        page = anonymous.get(f"/verify/{public_id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and words in html and HOLDER in html and "Mini certificate" in html
        assert "learner@example.org" not in html and "Revoke this certificate" not in html
        data = anonymous.get(f"/verify/{public_id}.json").get_json()
        assert data["status"] == state and data["holder"] == HOLDER
        status = anonymous.get(f"/credentials/status/{public_id}").get_json()
        assert status["status"] == state
        assert status["revokedCredentials"] == ([{"id": f"http://localhost/verify/{public_id}",
                                                  "revocationReason": "Issued by mistake"}]
                                                if state == "revoked" else [])
    html = anonymous.get(f"/verify/{revoked}").get_data(as_text=True)
    assert "Revoked on" in html and "Issued by mistake" in html
    assert anonymous.get(f"/verify/{revoked}.json").get_json()["revoked_reason"] == "Issued by mistake"
    assert anonymous.get("/credentials/status/nope").status_code == 404


def test_only_admins_revoke_and_only_with_a_reason(world):
    public_id = make_cert(world)
    for email in ("learner@example.org", "trainer@example.org", "hr@example.org"):
        client = signed_in(world, email)
        token = csrf_from(client.get("/").get_data(as_text=True))
        r = client.post(f"/admin/certificates/{public_id}/revoke", data={"csrf_token": token, "reason": "No"})
        assert r.status_code == 403, email
    assert world.test_client().post(f"/admin/certificates/{public_id}/revoke", data={"reason": "x"}).status_code == 400

    admin = signed_in(world, "admin@example.org")
    page = admin.get(f"/verify/{public_id}").get_data(as_text=True)
    assert "Revoke this certificate" in page
    assert admin.post(f"/admin/certificates/{public_id}/revoke", data={"reason": "x"}).status_code == 400  # no CSRF
    r = admin.post(f"/admin/certificates/{public_id}/revoke", data={"csrf_token": csrf_from(page), "reason": "  "})
    assert r.status_code == 302
    with world.app_context():
        assert db.session().exec(select(Certificate).where(Certificate.public_id == public_id)).one().revoked_at is None

    listing = admin.get(f"/admin/certificates?q={public_id}")
    assert listing.status_code == 200 and HOLDER in listing.get_data(as_text=True)
    r = admin.post(f"/admin/certificates/{public_id}/revoke",
                   data={"csrf_token": csrf_from(page), "reason": "Exam taken by someone else"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/verify/{public_id}")
    html = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "has been revoked" in html and "Exam taken by someone else" in html and "Certificate revoked" in html
    with world.app_context():
        cert = db.session().exec(select(Certificate).where(Certificate.public_id == public_id)).one()
        assert cert.revoked_reason == "Exam taken by someone else" and cert.revoked_at is not None
        event = db.session().exec(select(AuditEvent).where(AuditEvent.action == "certificate_revoked")).one()
        assert event.target == f"certificate:{public_id}" and event.details["reason"] == cert.revoked_reason
    assert admin.post("/admin/certificates/nope/revoke",
                      data={"csrf_token": csrf_from(page), "reason": "x"}).status_code == 404
    for email in ("learner@example.org", "trainer@example.org", "hr@example.org"):
        assert signed_in(world, email).get("/admin/certificates").status_code == 403


def test_downloads_are_for_the_owner_only(world):
    public_id = make_cert(world)
    urls = [f"/certificates/{public_id}.pdf", f"/certificates/{public_id}/credential.json",
            f"/certificates/{public_id}/credential.jwt"]
    anonymous = world.test_client()
    for url in urls:
        r = anonymous.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    for email in ("other@example.org", "trainer@example.org", "hr@example.org", "admin@example.org"):
        client = signed_in(world, email)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404], email
    owner = signed_in(world)
    assert [owner.get(url).status_code for url in urls] == [200, 200, 200]
    assert owner.get("/certificates/nope.pdf").status_code == 404


def test_certificates_page_links_downloads_and_linkedin(world):
    valid = make_cert(world)
    revoked = make_cert(world, holder="Other Name", revoked="Mistake")
    html = signed_in(world).get("/certificates").get_data(as_text=True)
    assert f"/certificates/{valid}.pdf" in html and f"/certificates/{valid}/credential.json" in html
    assert f"/certificates/{valid}/credential.jwt" in html
    links = [part.split('"')[0].replace("&amp;", "&") for part in html.split('href="')[1:]
             if part.startswith("https://www.linkedin.com/profile/add?")]
    assert len(links) == 1  # not for the revoked one
    query = parse_qs(urlsplit(links[0]).query)
    now = datetime.now(timezone.utc) - timedelta(days=1)
    expiry = now + timedelta(days=730)
    assert query == {"startTask": ["CERTIFICATION_NAME"], "name": ["Mini certificate"],
                     "organizationName": ["Acme Académie"], "issueYear": [str(now.year)],
                     "issueMonth": [str(now.month)], "expirationYear": [str(expiry.year)],
                     "expirationMonth": [str(expiry.month)], "certUrl": [f"http://localhost/verify/{valid}"],
                     "certId": [valid]}
    assert revoked in html


def test_public_url_is_used_in_credentials_keys_and_the_pdf(make_app, keys_dir):
    from pypdf import PdfReader

    app = make_app(CONTENT_DIR=TEST_CONTENT, SIGNING_KEYS=str(keys_dir), PUBLIC_URL="https://academy.example.org/lms")
    seed(app)
    public_id = make_cert(app)
    client = signed_in(app)
    credential = client.get(f"/certificates/{public_id}/credential.json").get_json()
    assert credential["id"] == f"https://academy.example.org/lms/verify/{public_id}"
    assert credential["credentialStatus"]["id"] == f"https://academy.example.org/lms/credentials/status/{public_id}"
    assert credential["proof"][0]["verificationMethod"].startswith("https://academy.example.org/lms/.well-known/jwks.json#")
    text = PdfReader(io.BytesIO(client.get(f"/certificates/{public_id}.pdf").data)).pages[0].extract_text()
    assert f"https://academy.example.org/lms/verify/{public_id}" in text
