"""A rate-limited app for the real-server tests in ``test_limiter_servers.py``.

Servers import it as ``limitedapp:app``. The store comes from the
environment, so two server processes can be pointed at one Redis (with a
key prefix of the test's own) or each keep memory counters.
"""

from __future__ import annotations

import os

from hipflask import Hipflask
from hipflask import request
from hipflask.cors import CORS
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.talisman import Talisman

app = Hipflask(__name__)
app.config["SECRET_KEY"] = "limitedapp-secret-key-that-is-long-enough-0123"
app.config["RATELIMIT_STORAGE_URI"] = os.environ.get("LIMITEDAPP_STORAGE", "memory://")
app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": os.environ.get("LIMITEDAPP_PREFIX", "x")}
if os.environ.get("LIMITEDAPP_SWALLOW") == "1":
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
app.config["RATELIMIT_META"] = os.environ.get("LIMITEDAPP_META")
limiter = Limiter(get_remote_address, app=app, default_limits=["3 per minute"])
CORS(app, resources={r"/api/*": {"origins": ["https://app.example"]}})
talisman = Talisman(app, force_https=False)


@app.get("/")
def index() -> str:
    return f"hello {request.remote_addr}"


@app.get("/async")
async def index_async() -> str:
    return "hello"


@app.route("/api/items", methods=["GET", "PUT"])
def items() -> str:
    return "items"


@app.get("/secure")
@talisman(force_https=True)
def secure() -> str:
    return "secure"
