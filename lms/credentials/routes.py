"""What a certificate gives its holder (PDF, Open Badges 3.0 credential as JSON and as VC-JWT,
a LinkedIn link) and what anyone needs to check it (the issuer's keys, profile, achievements and
the revocation status of each credential)."""
from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from flask_login import current_user, login_required
from sqlmodel import select

from .. import db
from ..config import ConfigError
from ..models import Certificate, Course
from ..models.content import loc
from ..services import certificate_pdf, credentials
from ..verify.routes import find_certificate

bp = Blueprint("credentials", __name__)


@bp.record_once
def _setup(state) -> None:
    """Settings from the environment; in production a missing signing key stops the start."""
    app = state.app
    credentials.configure(app.config)
    if app.config.get("LMS_ENV") == "production":
        credentials.load_keys(app)  # raises ConfigError when no key is configured


@bp.app_template_global()
def linkedin_url(cert: Certificate) -> str:
    """LinkedIn's "Add licence or certification" form, filled in."""
    params = {"startTask": "CERTIFICATION_NAME", "name": loc(cert.title, getattr(g, "lang", "en")),
              "organizationName": current_app.config["ORG_NAME"],
              "issueYear": cert.issued_at.year, "issueMonth": cert.issued_at.month}
    if cert.expires_at:
        params.update(expirationYear=cert.expires_at.year, expirationMonth=cert.expires_at.month)
    params.update(certUrl=credentials.external_url("verify.certificate", public_id=cert.public_id),
                  certId=cert.public_id)
    return "https://www.linkedin.com/profile/add?" + urlencode(params, quote_via=quote)


def _public_json(data: dict, max_age: int = 300) -> Response:
    response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _own(public_id: str) -> Certificate:
    """The signed-in user's own certificate; anybody else's is not found."""
    cert = find_certificate(public_id)
    if cert.user_id != current_user.id:
        abort(404)
    return cert


def _lang() -> str:
    wanted = request.args.get("lang")
    return wanted if wanted in current_app.config["LANGUAGES"] else g.lang


def _private(response: Response, filename: str, inline: bool = False) -> Response:
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- the holder's downloads ---------------------------------------------------------------------
@bp.route("/certificates/<public_id>.pdf")
@login_required
def pdf(public_id: str):
    cert = _own(public_id)
    data = certificate_pdf.render(
        cert, lang=_lang(), org_name=current_app.config["ORG_NAME"],
        verify_url=credentials.external_url("verify.certificate", public_id=cert.public_id),
        logo=certificate_pdf.logo_path(current_app.config.get("ORG_LOGO")))
    return _private(Response(data, mimetype="application/pdf"), f"certificate-{cert.public_id}.pdf", inline=True)


def _issued(public_id: str) -> credentials.Issued:
    cert = _own(public_id)
    try:
        return credentials.issue(db.session(), cert, lang=_lang())
    except ConfigError:
        current_app.logger.exception("cannot sign the credential of certificate %s", public_id)
        abort(500)


@bp.route("/certificates/<public_id>/credential.json")
@login_required
def credential_json(public_id: str):
    issued = _issued(public_id)
    body = json.dumps(issued.credential, ensure_ascii=False, indent=2)
    return _private(Response(body, mimetype="application/json"), f"certificate-{public_id}.json")


@bp.route("/certificates/<public_id>/credential.jwt")
@login_required
def credential_jwt(public_id: str):
    issued = _issued(public_id)
    return _private(Response(issued.jwt, mimetype="application/jwt"), f"certificate-{public_id}.jwt")


# -- public: what a verifier needs --------------------------------------------------------------
@bp.route("/.well-known/jwks.json")
def jwks():
    return _public_json(credentials.jwks(current_app))


@bp.route("/credentials/issuer")
def issuer():
    """The issuer's Profile, with the keys it signs with."""
    profile = {"@context": credentials.CONTEXT, **credentials.issuer_profile()}
    keyset = credentials.jwks(current_app)
    profile["verificationMethod"] = [{"id": k["kid"], "type": "JsonWebKey", "controller": profile["id"],
                                      "publicKeyJwk": {m: v for m, v in k.items() if m not in ("kid", "use")}}
                                     for k in keyset["keys"]]
    profile["assertionMethod"] = [k["kid"] for k in keyset["keys"]]
    profile["jwks_uri"] = credentials.external_url("credentials.jwks")
    return _public_json(profile)


@bp.route("/credentials/achievements/<slug>")
def achievement(slug: str):
    s = db.session()
    course = s.exec(select(Course).where(Course.slug == slug)).first()
    if course is None or not course.certification:
        abort(404)
    lang = _lang()
    data = {"@context": credentials.CONTEXT, **credentials.achievement(s, course, lang)}
    return _public_json(data)


@bp.route("/credentials/status/<public_id>")
def status(public_id: str):
    """The certificate's revocation list (1EdTechRevocationList), as its credential points to it."""
    return _public_json(credentials.status_document(find_certificate(public_id)), max_age=60)
