"""A small app showing hipflask's Flask API: pages, a JSON API, sessions, flash, async.

Run it with ``scripts/demo`` (HTTPS on https://localhost:8443 with the local CA).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Any

from hipflask import Hipflask
from hipflask import flash
from hipflask import jsonify
from hipflask import redirect
from hipflask import render_template
from hipflask import request
from hipflask import session
from hipflask import url_for


def create_app() -> Hipflask:
    """Build the demo app; the secret comes from the environment or is made per run."""
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32))

    @app.get("/")
    def index() -> str:
        visits = session.get("visits", 0) + 1
        session["visits"] = visits
        return render_template(
            "index.html", visits=visits, name=session.get("name"), items=["WSGI", "ASGI", "HTTPS"]
        )

    @app.post("/hello")
    def hello() -> Any:
        name = request.form.get("name", "").strip()
        if not name:
            flash("Please enter a name.", "error")
        else:
            session["name"] = name
            flash(f"Hello, {name}!")
        return redirect(url_for("index"))

    @app.get("/api/users/<int:user_id>")
    def user(user_id: int) -> Any:
        return jsonify(id=user_id, name=f"user{user_id}")

    @app.get("/api/slow")
    async def slow() -> dict[str, Any]:
        await asyncio.sleep(0.1)
        return {"slept": 0.1, "protocol": "asgi" if "asgi.scope" in request.environ else "wsgi"}

    from .notes import init_notes

    init_notes(app)
    return app
