"""Admin widgets draw the browser's own controls."""

from __future__ import annotations

from wtforms import DateField
from wtforms import Form
from wtforms import SelectField
from wtforms import StringField

from hipflask.admin.form import widgets


class Sample(Form):
    day = DateField(widget=widgets.DatePickerWidget())
    kind = SelectField(choices=["a"], widget=widgets.Select2Widget())
    tags = StringField(widget=widgets.Select2TagsWidget())


def test_widgets() -> None:
    form = Sample()

    assert 'type="date"' in str(form.day)
    assert str(form.kind).startswith('<select data-role="select2"')
    assert 'data-role="select2-tags"' in str(form.tags)
