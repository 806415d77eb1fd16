"""Bulk actions on a view that is not a model view."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.admin import Admin
from hipflask.admin import BaseView
from hipflask.admin import expose
from hipflask.admin.actions import ActionsMixin
from hipflask.admin.actions import action
from hipflask.testing.client import HipflaskClient

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class JobsView(BaseView, ActionsMixin):
    def __init__(self) -> None:
        super().__init__(name="Jobs")
        self.done: list[str] = []
        self.init_actions()

    @expose("/")
    def index(self) -> str:
        form = self._make_action_form()
        return str(form.csrf_token)

    @expose("/run", methods=("POST",))
    def run(self) -> Any:
        return self.handle_action()

    @action("retry", "Retry", "Retry the selected jobs?")
    def action_retry(self, ids: list[str]) -> None:
        self.done.extend(ids)

    @action("report", "Report")
    def action_report(self, ids: list[str]) -> str:
        return f"report of {','.join(ids)} for {request.form['action']}"

    @action("purge", "Purge")
    def action_purge(self, ids: list[str]) -> None:
        self.done.append("purged")

    def is_action_allowed(self, name: str) -> bool:
        return name != "purge"


@pytest.fixture
def view(app: Hipflask) -> JobsView:
    view = JobsView()
    Admin(app).add_view(view)
    return view


def token(client: HipflaskClient) -> str:
    found = _TOKEN.search(client.get("/admin/jobsview/").get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_actions_are_collected_and_filtered(app: Hipflask, view: JobsView) -> None:
    actions, confirmations = view.get_actions_list()

    assert sorted(actions) == [("report", "Report"), ("retry", "Retry")]
    assert confirmations == {"retry": "Retry the selected jobs?"}


def test_an_action_runs_and_redirects_back(client: HipflaskClient, view: JobsView) -> None:
    response = client.post(
        "/admin/jobsview/run",
        data={"action": "retry", "rowid": ["3", "4"], "csrf_token": token(client)},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/jobsview/"
    assert view.done == ["3", "4"]


def test_an_action_may_answer_itself(client: HipflaskClient, view: JobsView) -> None:
    response = client.post(
        "/admin/jobsview/run", data={"action": "report", "rowid": "9", "csrf_token": token(client)}
    )

    assert response.get_data(as_text=True) == "report of 9 for report"


@pytest.mark.parametrize("name", ["purge", "missing", ""])
def test_disallowed_and_unknown_actions_do_nothing(
    client: HipflaskClient, view: JobsView, name: str
) -> None:
    response = client.post(
        "/admin/jobsview/run", data={"action": name, "rowid": "1", "csrf_token": token(client)}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/jobsview/"
    assert view.done == []
    with client.session_transaction() as session:
        assert "_flashes" not in session


def test_an_action_without_a_token_is_refused(client: HipflaskClient, view: JobsView) -> None:
    response = client.post("/admin/jobsview/run", data={"action": "retry", "rowid": "1"})

    assert response.status_code == 302
    assert view.done == []


class CheckedJobsView(JobsView):
    """Checks its forms itself, refusing every post of a locked job list."""

    locked = True

    def validate_form(self, form: Any) -> bool:
        return not self.locked and bool(form.validate_on_submit())


def test_the_views_validate_form_checks_the_action_form(
    app: Hipflask, client: HipflaskClient
) -> None:
    view = CheckedJobsView()
    Admin(app).add_view(view)
    found = _TOKEN.search(client.get("/admin/checkedjobsview/").get_data(as_text=True))
    assert found is not None
    data = {"action": "retry", "rowid": "1", "csrf_token": found.group(1)}

    client.post("/admin/checkedjobsview/run", data=data)
    assert view.done == []

    view.locked = False
    client.post("/admin/checkedjobsview/run", data=data)
    assert view.done == ["1"]
