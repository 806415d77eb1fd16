"""A tutorial-style Flask app, ported by renaming its imports and nothing else.

The Flask original imports ``flask``, ``flask_limiter``,
``flask_limiter.util``, ``flask_cors`` and ``flask_talisman``; every other
line is as the tutorials write it.
"""

from hipflask import Flask
from hipflask import jsonify
from hipflask import request
from hipflask.cors import CORS
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address

app = Flask(__name__)
app.config["SECRET_KEY"] = "tutorial-secret-key-that-is-long-enough-0123456789"
CORS(app)
limiter = Limiter(app, key_func=get_remote_address, default_limits=["200 per day", "50 per hour"])


@app.route("/api/login", methods=["POST"])
@limiter.limit("3 per minute")
def login():
    data = request.get_json()
    if data.get("username") == "admin" and data.get("password") == "secret":
        return jsonify({"token": "abc"})
    return jsonify({"error": "Invalid credentials"}), 401


@app.route("/api/items")
def items():
    return jsonify([{"id": 1}])


@app.route("/health")
@limiter.exempt
def health():
    return "ok"
