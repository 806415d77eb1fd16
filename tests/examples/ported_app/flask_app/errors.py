"""Error pages for browsers, JSON errors for the API."""

from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from .extensions import db


def wants_json_response():
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def api_error(status_code, message=None):
    payload = {"error": HTTP_STATUS_CODES.get(status_code, "Unknown error")}
    if message:
        payload["message"] = message
    return jsonify(payload), status_code


def register_error_handlers(app):
    @app.errorhandler(404)
    def not_found_error(error):
        if wants_json_response():
            return api_error(404)
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden_error(error):
        if wants_json_response():
            return api_error(403)
        return render_template("errors/403.html"), 403

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        if wants_json_response():
            return api_error(500)
        return render_template("errors/500.html"), 500

    @app.errorhandler(429)
    def ratelimit_handler(error):
        if wants_json_response():
            return api_error(429, f"Too many requests: {error.description}")
        return render_template("errors/429.html", limit=error.description), 429

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        if wants_json_response():
            return api_error(error.code, error.description)
        return error
