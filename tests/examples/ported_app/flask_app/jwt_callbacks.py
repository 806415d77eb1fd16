"""How the API's tokens map to users and how revoked ones are recognised."""

import sqlalchemy as sa

from .extensions import db
from .extensions import jwt
from .models import TokenBlocklist
from .models import User


@jwt.user_lookup_loader
def user_lookup_callback(_jwt_header, jwt_data):
    return db.session.get(User, int(jwt_data["sub"]))


@jwt.token_in_blocklist_loader
def check_if_token_revoked(_jwt_header, jwt_payload):
    jti = jwt_payload["jti"]
    return (
        db.session.scalar(sa.select(TokenBlocklist.id).where(TokenBlocklist.jti == jti)) is not None
    )


@jwt.additional_claims_loader
def add_claims(identity):
    user = db.session.get(User, int(identity))
    return {"role": user.role if user else "user"}
