"""``FlaskLoginClient``: a test client that starts out logged in.

Flask-Login's test helper: ``app.test_client_class = FlaskLoginClient``,
then ``app.test_client(user=user)``. The login is registered like a real
one, so the live-login registry accepts it.
"""

from __future__ import annotations

from typing import Any

from ..login.utils import session_login_data
from .client import HipflaskClient


class FlaskLoginClient(HipflaskClient):
    """A test client whose session holds a login of ``user`` (fresh unless told)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        user = kwargs.pop("user", None)
        fresh = kwargs.pop("fresh_login", True)
        super().__init__(*args, **kwargs)
        if user is None:
            return
        with self.app.test_request_context(environ_base=dict(self.environ_base)):
            data = session_login_data(user, fresh)
        with self.session_transaction() as session:
            session.update(data)


__all__ = ["FlaskLoginClient"]
