import sqlalchemy as sa
from flask import abort
from flask import jsonify
from flask import request
from flask import url_for
from flask_jwt_extended import create_access_token
from flask_jwt_extended import create_refresh_token
from flask_jwt_extended import current_user as jwt_user
from flask_jwt_extended import get_jwt
from flask_jwt_extended import get_jwt_identity
from flask_jwt_extended import jwt_required
from flask_jwt_extended import set_access_cookies
from flask_jwt_extended import set_refresh_cookies
from flask_jwt_extended import unset_jwt_cookies

from ..errors import api_error
from ..extensions import db
from ..extensions import limiter
from ..models import Post
from ..models import TokenBlocklist
from ..models import User
from . import bp

limiter.limit("100 per hour")(bp)


@bp.route("/tokens", methods=["POST"])
@limiter.limit("5 per minute")
def get_tokens():
    data = request.get_json(silent=True) or {}
    username = data.get("username")
    password = data.get("password")
    if not username or not password:
        return api_error(400, "username and password are required")
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.check_password(password):
        return api_error(401, "bad username or password")
    identity = str(user.id)
    return jsonify(
        access_token=create_access_token(identity=identity),
        refresh_token=create_refresh_token(identity=identity),
    )


@bp.route("/tokens/refresh", methods=["POST"])
@jwt_required(refresh=True)
def refresh_token():
    return jsonify(access_token=create_access_token(identity=get_jwt_identity()))


@bp.route("/tokens", methods=["DELETE"])
@jwt_required(verify_type=False)
def revoke_token():
    token = get_jwt()
    db.session.add(TokenBlocklist(jti=token["jti"]))
    db.session.commit()
    return jsonify(msg=f"{token['type'].capitalize()} token revoked")


@bp.route("/me")
@jwt_required()
def me():
    claims = get_jwt()
    return jsonify(id=get_jwt_identity(), username=jwt_user.username, role=claims["role"])


@bp.route("/users/<int:id>")
@jwt_required()
def get_user(id):
    user = db.get_or_404(User, id)
    return jsonify(user.to_dict(include_email=jwt_user.id == id or jwt_user.is_admin))


@bp.route("/posts")
@jwt_required()
def list_posts():
    page = request.args.get("page", 1, type=int)
    per_page = min(request.args.get("per_page", 10, type=int), 100)
    posts = db.paginate(
        sa.select(Post).order_by(Post.timestamp.desc()), page=page, per_page=per_page
    )
    links = {"self": url_for("api.list_posts", page=page, per_page=per_page, _external=True)}
    if posts.has_next:
        links["next"] = url_for(
            "api.list_posts", page=posts.next_num, per_page=per_page, _external=True
        )
    response = jsonify(
        items=[post.to_dict() for post in posts.items],
        meta={"page": page, "per_page": per_page, "total": posts.total},
        _links=links,
    )
    response.headers["X-Total-Count"] = str(posts.total)
    return response


@bp.route("/posts", methods=["POST"])
@jwt_required()
def create_post():
    data = request.get_json()
    body = (data or {}).get("body", "")
    if not isinstance(body, str) or not body.strip():
        abort(400, description="body must be a non-empty string")
    if len(body) > 140:
        return api_error(400, "body must be at most 140 characters")
    post = Post(body=body, author=jwt_user)
    db.session.add(post)
    db.session.commit()
    response = jsonify(post.to_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("api.list_posts", _external=True)
    return response


@bp.route("/session", methods=["POST"])
def open_session():
    data = request.get_json(silent=True) or {}
    user = db.session.scalar(sa.select(User).where(User.username == data.get("username", "")))
    if user is None or not user.check_password(data.get("password", "")):
        return api_error(401, "bad username or password")
    response = jsonify(msg="signed in")
    set_access_cookies(response, create_access_token(identity=str(user.id)))
    set_refresh_cookies(response, create_refresh_token(identity=str(user.id)))
    return response


@bp.route("/session", methods=["DELETE"])
def close_session():
    response = jsonify(msg="signed out")
    unset_jwt_cookies(response)
    return response
