"""A second process of the same app, sharing sessions through Redis.

Run as ``python shared_session_app.py PREFIX COOKIE ACTION``; prints the
response as JSON: ``{"status": ..., "body": ..., "cookie": ...}``.
"""

from __future__ import annotations

import json
import sys

from hipflask import Hipflask
from hipflask import session
from hipflask.sessions import Session

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def build(prefix: str) -> Hipflask:
    app = Hipflask("shared")
    app.config.update(
        SECRET_KEY=SECRET,
        SESSION_TYPE="redis",
        SESSION_REDIS="redis://127.0.0.1:6379/0",
        SESSION_KEY_PREFIX=prefix,
    )
    Session(app)

    @app.get("/whoami")
    def whoami() -> object:
        return {"user": session.get("user")}

    @app.get("/visit")
    def visit() -> object:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    @app.get("/logout")
    def logout() -> object:
        session.clear()
        return {"ok": True}

    return app


if __name__ == "__main__":
    prefix, cookie, action = sys.argv[1:4]
    client = build(prefix).test_client()
    client.set_cookie("session", cookie)
    response = client.get("/" + action)
    kept = client.get_cookie("session")
    print(
        json.dumps(
            {
                "status": response.status_code,
                "body": response.json,
                "cookie": kept.value if kept is not None else None,
            }
        )
    )
