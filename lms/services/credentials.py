"""Open Badges 3.0 credentials for certificates: the organisation's signing keys, the
`OpenBadgeCredential` (VC Data Model 2.0), its VC-JWT signature and its offline verification.

Choices, in one place:

- Signature: a VC-JWT as Open Badges 3.0 section 8.2 describes it for VC Data Model 2.0: the JWT
  payload is the credential itself plus the claims `iss` (issuer.id), `jti` (id), `sub`
  (credentialSubject.id), `nbf` (validFrom) and `exp` (validUntil); the JOSE header holds only
  `alg`, `kid` and `typ: "JWT"`. RSA keys sign RS256 (the algorithm every Open Badges verifier
  must support), Ed25519 keys EdDSA, P-256 keys ES256. Signed with PyJWT.
- Keys: PEM private keys from `LMS_SIGNING_KEYS` (a folder: every `*.pem` is published, the last
  in sort order signs, so adding a newer file rotates the key and keeps old credentials
  verifiable) and/or `LMS_SIGNING_KEY` (one PEM in the environment, which then signs). Without
  either: an error when LMS_ENV=production; otherwise one Ed25519 key is generated into
  instance/signing-keys/ and the log says so.
- Key ids: `kid` is `<JWKS URL>#<RFC 7638 thumbprint>`; the JWKS at /.well-known/jwks.json lists
  every published key under that id. Verifiers here match on the thumbprint, so a credential
  stays verifiable when the platform's address changes.
- Recipient: `credentialSubject.identifier` holds the e-mail address hashed with a per-credential
  salt (`sha256$` + hex(sha256(lowercased e-mail + salt))) and the holder's name as printed on
  the certificate; `credentialSubject.id` is a random `urn:uuid:` that only serves as the JWT
  `sub` claim and identifies nobody.
- Status: `credentialStatus` is a `1EdTechRevocationList` entry whose id is the certificate's
  own list at /credentials/status/<id> (`revokedCredentials` is empty, or holds this credential
  with the revocation reason). One small list per certificate: no index to allocate, and no
  list of other people's revocations to download.
- Issuance: the credential is signed once, on its first download (links need the platform's
  public address), and stored in `Certificate.details["credential"]`; later downloads return the
  same token. The JSON form is the signed payload without the JWT claims, with a
  `JwtProof2020` proof carrying the token, so that the JSON can be checked offline too.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..config import ConfigError

log = logging.getLogger(__name__)

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_TYPE = "1EdTechRevocationList"
PROOF_TYPE = "JwtProof2020"
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")
ALGORITHMS = ("EdDSA", "RS256", "ES256")


# -- settings -----------------------------------------------------------------------------------
def configure(config: dict, env: Mapping[str, str] | None = None) -> None:
    """Read the certificate settings from the environment unless the app config has them."""
    env = os.environ if env is None else env
    config.setdefault("SIGNING_KEYS", env.get("LMS_SIGNING_KEYS") or None)
    config.setdefault("SIGNING_KEY", env.get("LMS_SIGNING_KEY") or None)
    config.setdefault("ORG_LOGO", env.get("LMS_ORG_LOGO") or None)
    config.setdefault("PUBLIC_URL", (env.get("LMS_PUBLIC_URL") or "").rstrip("/") or None)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL: on LMS_PUBLIC_URL when set, else on the address of the request."""
    from flask import current_app, has_request_context, url_for

    base = current_app.config.get("PUBLIC_URL")
    if not base:
        if not has_request_context():
            raise ConfigError("LMS_PUBLIC_URL must be set to build links outside a web request")
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


# -- keys ---------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of a public key."""
    members = {"OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}
    required = members.get(jwk.get("kty"))
    if not required:
        raise ValueError(f"unsupported key type {jwk.get('kty')!r}")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode()).digest())


def _algorithm_for(jwk: Mapping[str, Any]) -> str | None:
    if jwk.get("alg") in ALGORITHMS:
        return jwk["alg"]
    kty, crv = jwk.get("kty"), jwk.get("crv")
    return {"OKP": "EdDSA" if crv == "Ed25519" else None, "RSA": "RS256",
            "EC": "ES256" if crv == "P-256" else None}.get(kty)


@dataclass(frozen=True)
class SigningKey:
    name: str          # the file name, or LMS_SIGNING_KEY
    private_key: Any
    alg: str
    jwk: dict          # public members only
    thumbprint: str


def _parse_key(name: str, pem: bytes) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"signing key {name}: not an unencrypted PEM private key ({exc})") from None
    public = key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        alg, jwk = "EdDSA", jwt.algorithms.OKPAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise ConfigError(f"signing key {name}: RSA keys need at least 2048 bits")
        alg, jwk = "RS256", jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        alg, jwk = "ES256", jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    else:
        raise ConfigError(f"signing key {name}: use an Ed25519, RSA (2048+ bits) or P-256 key")
    jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
    return SigningKey(name=name, private_key=key, alg=alg, jwk=jwk, thumbprint=thumbprint(jwk))


def _generate_development_key(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = folder / "development-ed25519.pem"
    tmp = folder / f".{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    try:
        os.link(tmp, path)  # atomic: another process may have made the key first; keep theirs
        log.warning("Generated a development signing key in %s: certificates are signed with it. "
                    "Set LMS_SIGNING_KEYS or LMS_SIGNING_KEY before going to production.", path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path


def _key_sources(config: Mapping[str, Any], instance_path: str) -> list[tuple[str, Path | bytes]]:
    folder, pem = config.get("SIGNING_KEYS"), config.get("SIGNING_KEY")
    sources: list[tuple[str, Path | bytes]] = []
    if folder:
        path = Path(folder)
        if not path.is_dir():
            raise ConfigError(f"LMS_SIGNING_KEYS={folder} is not a folder")
        sources += [(p.name, p) for p in sorted(path.glob("*.pem"))]
        if not sources and not pem:
            raise ConfigError(f"LMS_SIGNING_KEYS={folder} holds no *.pem private key")
    if pem:
        sources.append(("LMS_SIGNING_KEY", pem.encode() if isinstance(pem, str) else pem))
    if sources:
        return sources
    if config.get("LMS_ENV") == "production":
        raise ConfigError("LMS_SIGNING_KEYS or LMS_SIGNING_KEY must be set when LMS_ENV=production: "
                          "certificates are signed with the organisation's key")
    dev = Path(instance_path) / "signing-keys"
    if not sorted(dev.glob("*.pem")):
        _generate_development_key(dev)
    return [(p.name, p) for p in sorted(dev.glob("*.pem"))]


def load_keys(app) -> list[SigningKey]:
    """Every published key, oldest first; the last one signs. Cached until the files change."""
    sources = _key_sources(app.config, app.instance_path)
    stamp = tuple((name, src.stat().st_mtime_ns, src.stat().st_size) if isinstance(src, Path)
                  else (name, hashlib.sha256(src).hexdigest()) for name, src in sources)
    cached = app.extensions.get("signing_keys")
    if cached and cached[0] == stamp:
        return cached[1]
    keys = [_parse_key(name, src.read_bytes() if isinstance(src, Path) else src) for name, src in sources]
    app.extensions["signing_keys"] = (stamp, keys)
    return keys


def signing_key(app) -> SigningKey:
    return load_keys(app)[-1]


def key_id(key: SigningKey) -> str:
    return f"{external_url('credentials.jwks')}#{key.thumbprint}"


def jwks(app, with_urls: bool = True) -> dict:
    """The public keys as a JWKS; `with_urls=False` gives bare thumbprints as key ids (offline)."""
    keys = []
    for key in load_keys(app):
        kid = key_id(key) if with_urls else key.thumbprint
        keys.append({**key.jwk, "kid": kid, "alg": key.alg, "use": "sig"})
    return {"keys": keys}


# -- the credential -----------------------------------------------------------------------------
def _utc(dt: datetime) -> datetime:
    dt = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def issuer_profile() -> dict:
    from flask import current_app

    return {"id": external_url("credentials.issuer"), "type": ["Profile"],
            "name": current_app.config["ORG_NAME"], "url": external_url("learn.dashboard")}


def criteria_narrative(session, course, lang: str) -> str:
    """What the holder had to do, from the course's certification requirements."""
    from flask_babel import force_locale, gettext as _
    from sqlmodel import select

    from ..models import Course
    from ..models.content import loc
    from .progress import course_exercises, course_lessons, course_quizzes

    requires = (course.certification or {}).get("requires") or {}
    with force_locale(lang):
        parts = []
        if requires.get("lessons", "all") != "none" and course_lessons(session, course):
            parts.append(_("Read every lesson of the course."))
        if requires.get("exercises", "all") != "none" and course_exercises(session, course):
            parts.append(_("Pass every graded prompt-writing exercise, each scored against a published rubric."))
        if requires.get("quizzes", "all") != "none" and course_quizzes(session, course):
            parts.append(_("Pass every module quiz."))
        if requires.get("exam", bool(course.exam)):
            parts.append(_("Pass the final exam."))
        for slug in requires.get("certificates", []):
            other = session.exec(select(Course).where(Course.slug == slug)).first()
            name = loc((other.certification or {}).get("title") or other.title, lang) if other else slug
            parts.append(_("Hold a valid certificate: %(name)s.", name=name))
        if not parts:
            parts.append(_("Complete the course %(course)s.", course=loc(course.title, lang)))
    return " ".join(parts)


def achievement(session, course, lang: str) -> dict:
    from ..models.content import loc

    title = (course.certification or {}).get("title") or course.title
    return {"id": external_url("credentials.achievement", slug=course.slug), "type": ["Achievement"],
            "achievementType": "Certificate", "name": loc(title, lang),
            "description": loc(course.summary, lang) or loc(title, lang),
            "criteria": {"narrative": criteria_narrative(session, course, lang)}, "inLanguage": lang}


def build_credential(session, cert, *, email: str, course, lang: str, salt: str, subject_id: str) -> dict:
    """The unsigned OpenBadgeCredential of a certificate."""
    from ..models.content import loc

    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": external_url("verify.certificate", public_id=cert.public_id),
        "type": CREDENTIAL_TYPE,
        "name": loc(cert.title, lang),
        "issuer": issuer_profile(),
        "validFrom": iso(cert.issued_at),
        "awardedDate": iso(cert.issued_at),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityHash": identity_hash(email, salt),
                 "identityType": "emailAddress", "hashed": True, "salt": salt},
                {"type": "IdentityObject", "identityHash": cert.holder_name, "identityType": "name",
                 "hashed": False},
            ],
            "achievement": achievement(session, course, lang),
        },
        "credentialStatus": {"id": external_url("credentials.status", public_id=cert.public_id),
                             "type": STATUS_TYPE},
    }
    if cert.expires_at:
        credential["validUntil"] = iso(cert.expires_at)
    return credential


def jwt_claims(credential: Mapping[str, Any]) -> dict:
    issuer = credential["issuer"]
    claims = {"iss": issuer["id"] if isinstance(issuer, dict) else issuer, "jti": credential["id"],
              "nbf": _epoch(credential["validFrom"])}
    subject_id = credential.get("credentialSubject", {}).get("id")
    if subject_id:
        claims["sub"] = subject_id
    if credential.get("validUntil"):
        claims["exp"] = _epoch(credential["validUntil"])
    return claims


def sign(credential: Mapping[str, Any], key: SigningKey, kid: str) -> str:
    """The compact JWS (VC-JWT) of a credential."""
    payload = {**credential, **jwt_claims(credential)}
    return jwt.encode(payload, key.private_key, algorithm=key.alg, headers={"kid": kid, "typ": "JWT"})


def _payload(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def credential_from_jwt(token: str) -> dict:
    """The credential signed in a VC-JWT (the payload without the JWT claims)."""
    payload = _payload(token)
    if isinstance(payload.get("vc"), dict):  # VC Data Model 1.1 style
        return payload["vc"]
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}


def with_proof(token: str) -> dict:
    """The JSON form: the credential with a proof that carries its VC-JWT."""
    header = jwt.get_unverified_header(token)
    credential = credential_from_jwt(token)
    return {**credential, "proof": [{"type": PROOF_TYPE, "proofPurpose": "assertionMethod",
                                     "verificationMethod": header.get("kid", ""),
                                     "created": credential.get("validFrom"), "jwt": token}]}


@dataclass
class Issued:
    jwt: str
    credential: dict  # the JSON form, with its proof


def issue(session, cert, *, lang: str) -> Issued:
    """The certificate's signed credential: made, signed and stored on first use."""
    from flask import current_app
    from sqlalchemy.orm.attributes import flag_modified

    from ..models import Course, User

    details = dict(cert.details or {})
    stored = details.get("credential") or {}
    if not stored.get("jwt"):
        user, course = session.get(User, cert.user_id), session.get(Course, cert.course_id)
        stored = {"salt": stored.get("salt") or secrets.token_hex(16),
                  "subject": stored.get("subject") or f"urn:uuid:{uuid.uuid4()}"}
        credential = build_credential(session, cert, email=user.email, course=course, lang=lang,
                                      salt=stored["salt"], subject_id=stored["subject"])
        key = signing_key(current_app)
        kid = key_id(key)
        stored.update(jwt=sign(credential, key, kid), kid=kid, lang=lang, signed_at=iso(datetime.now(timezone.utc)))
        details["credential"] = stored
        cert.details = details
        flag_modified(cert, "details")
        session.add(cert)
        session.commit()
    return Issued(jwt=stored["jwt"], credential=with_proof(stored["jwt"]))


def status_document(cert) -> dict:
    """The certificate's 1EdTechRevocationList: empty, or this credential with its reason."""
    from ..models.base import utcnow

    credential_id = external_url("verify.certificate", public_id=cert.public_id)
    revoked = []
    if cert.revoked_at:
        revoked.append({"id": credential_id, "revocationReason": cert.revoked_reason or ""})
    return {"id": external_url("credentials.status", public_id=cert.public_id),
            "issuer": external_url("credentials.issuer"), "revokedCredentials": revoked,
            "credential": credential_id, "status": cert.state(utcnow()),
            "revokedAt": iso(cert.revoked_at) if cert.revoked_at else None}


def revoke(session, cert, *, reason: str, actor_id: int | None) -> None:
    """Revoke a certificate with a reason, and write it to the audit log."""
    from ..models.base import utcnow
    from .audit import audit

    cert.revoked_at = utcnow()
    cert.revoked_reason = reason.strip()[:500]
    session.add(cert)
    audit(session, actor_id, "certificate_revoked", f"certificate:{cert.public_id}",
          reason=cert.revoked_reason, holder=cert.holder_name)
    session.commit()


# -- verification -------------------------------------------------------------------------------
@dataclass
class Verdict:
    status: str            # valid, invalid, expired, not_yet_valid, revoked
    message: str
    credential: dict | None = None
    kid: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def _find_key(kid: str | None, keyset: Mapping[str, Any]) -> dict | None:
    if not kid:
        return None
    keys = [k for k in keyset.get("keys", []) if isinstance(k, dict)]
    for k in keys:
        if k.get("kid") == kid:
            return k
    fragment = kid.rsplit("#", 1)[-1]
    for k in keys:
        if str(k.get("kid", "")).rsplit("#", 1)[-1] == fragment:
            return k
    return None


def _check_claims(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> str | None:
    """Open Badges 3.0 section 8.2.4: the JWT claims must match the credential."""
    try:
        expected = jwt_claims(credential)
    except (KeyError, TypeError, ValueError) as exc:
        return f"the credential lacks {exc}"
    for claim in ("iss", "jti", "nbf", "sub", "exp"):
        if payload.get(claim) != expected.get(claim):
            return f"the JWT claim {claim} does not match the credential"
    return None


def verify_jwt(token: str, keyset: Mapping[str, Any], now: datetime | None = None) -> Verdict:
    now = now or datetime.now(timezone.utc)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return Verdict("invalid", "invalid: not a JSON Web Token")
    kid = header.get("kid")
    jwk = _find_key(kid, keyset)
    if jwk is None:
        return Verdict("invalid", f"invalid signature: signed with an unknown key ({kid or 'no kid'})", kid=kid)
    alg = _algorithm_for(jwk)
    if alg is None or header.get("alg") != alg:
        return Verdict("invalid", f"invalid signature: algorithm {header.get('alg')!r} does not match the key",
                       kid=kid)
    try:
        key = jwt.PyJWK({k: v for k, v in jwk.items() if k != "alg"}, algorithm=alg)
        payload = jwt.decode(token, key=key, algorithms=[alg], options={
            "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
            "verify_iss": False, "verify_sub": False, "verify_jti": False})
    except jwt.InvalidSignatureError:
        return Verdict("invalid", "invalid signature", kid=kid)
    except jwt.PyJWTError as exc:
        return Verdict("invalid", f"invalid signature: {exc}", kid=kid)
    credential = payload["vc"] if isinstance(payload.get("vc"), dict) \
        else {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    problem = _check_claims(payload, credential)
    if problem:
        return Verdict("invalid", f"invalid: {problem}", credential, kid)
    if now.timestamp() < payload["nbf"]:
        return Verdict("not_yet_valid", f"not yet valid: valid from {credential['validFrom']}", credential, kid)
    if payload.get("exp") is not None and now.timestamp() >= payload["exp"]:
        return Verdict("expired", f"expired: valid until {credential['validUntil']}", credential, kid)
    return Verdict("valid", "valid", credential, kid)


def verify(text: str, keyset: Mapping[str, Any], now: datetime | None = None) -> Verdict:
    """Check a VC-JWT or a JSON credential (with its JwtProof2020 proof) against a JWKS."""
    text = text.strip()
    if not text.startswith("{"):
        return verify_jwt(text, keyset, now)
    try:
        document = json.loads(text)
    except ValueError:
        return Verdict("invalid", "invalid: neither a JSON Web Token nor JSON")
    proofs = document.get("proof") if isinstance(document, dict) else None
    proofs = proofs if isinstance(proofs, list) else [proofs] if isinstance(proofs, dict) else []
    tokens = [p["jwt"] for p in proofs if isinstance(p, dict) and p.get("type") == PROOF_TYPE
              and isinstance(p.get("jwt"), str)]
    if not tokens:
        return Verdict("invalid", f"invalid: the JSON credential has no {PROOF_TYPE} proof to check")
    verdict = verify_jwt(tokens[0], keyset, now)
    if verdict.status == "invalid":
        return verdict
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    if unsigned != verdict.credential:
        return Verdict("invalid", "invalid signature: the JSON differs from the credential that was signed",
                       verdict.credential, verdict.kid)
    return verdict
