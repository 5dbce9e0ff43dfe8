"""Public certificate verification: no sign-in, no more personal data than the certificate."""
from flask import Blueprint, abort, jsonify, render_template, url_for

from .. import db
from ..models import Certificate
from ..models.base import utcnow
from sqlmodel import select

bp = Blueprint("verify", __name__, url_prefix="/verify")


def find_certificate(public_id: str) -> Certificate:
    if len(public_id) > 40:
        abort(404)
    cert = db.session().exec(select(Certificate).where(Certificate.public_id == public_id)).first()
    if cert is None:
        abort(404)
    return cert


@bp.route("/<public_id>")
def certificate(public_id: str):
    cert = find_certificate(public_id)
    return render_template("verify/certificate.html", cert=cert, state=cert.state(utcnow()))


@bp.route("/<public_id>.json")
def certificate_json(public_id: str):
    cert = find_certificate(public_id)
    return jsonify({
        "id": cert.public_id,
        "status": cert.state(utcnow()),
        "holder": cert.holder_name,
        "title": cert.title,
        "issued_at": cert.issued_at.isoformat(),
        "expires_at": cert.expires_at.isoformat() if cert.expires_at else None,
        "revoked_at": cert.revoked_at.isoformat() if cert.revoked_at else None,
        "revoked_reason": cert.revoked_reason,
        "url": url_for("verify.certificate", public_id=cert.public_id, _external=True),
        "replaced_by": (cert.details or {}).get("replaced_by"),
        "replaces": (cert.details or {}).get("replaces"),
    })
