"""``flask_limiter.__version__``: a ported app that reads it keeps working."""

from __future__ import annotations

from typing import Any

import hipflask
import hipflask.limiter as flask_limiter
from hipflask import Hipflask
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address


def test_a_view_serving_the_limiter_s_version_answers(app: Hipflask, client: Any) -> None:
    # As in Flask-Limiter's kitchen-sink example: an exempt page that names
    # the release, ported by renaming ``import flask_limiter``.
    limiter = Limiter(get_remote_address, app=app, default_limits=["2/minute"])

    @app.get("/version")
    @limiter.exempt
    def version() -> str:
        return flask_limiter.__version__

    for _ in range(3):
        answer = client.get("/version")
        assert answer.status_code == 200
        assert answer.get_data(as_text=True) == hipflask.__version__
