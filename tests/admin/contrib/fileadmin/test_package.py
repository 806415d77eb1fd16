"""Flask-Admin's ``contrib.fileadmin`` names are importable from their hipflask path."""

from __future__ import annotations

import hipflask.admin.contrib.fileadmin as fileadmin


def test_the_public_names() -> None:
    assert sorted(fileadmin.__all__) == [
        "BaseFileAdmin",
        "BaseFileStorage",
        "FileAdmin",
        "LocalFileStorage",
    ]
    for name in fileadmin.__all__:
        assert getattr(fileadmin, name).__module__.startswith("hipflask.admin.contrib.fileadmin")


def test_flask_admins_class_attributes_and_hooks_exist() -> None:
    for name in (
        "can_upload",
        "can_download",
        "can_delete",
        "can_delete_dirs",
        "can_mkdir",
        "can_rename",
        "editable_extensions",
        "allowed_extensions",
        "list_template",
        "upload_template",
        "mkdir_template",
        "rename_template",
        "edit_template",
        "upload_modal",
        "mkdir_modal",
        "rename_modal",
        "edit_modal",
        "form_base_class",
        "possible_columns",
        "column_list",
        "column_sortable_list",
        "default_sort_column",
        "default_desc",
        "date_format",
        "is_accessible_path",
        "is_file_allowed",
        "is_file_editable",
        "get_base_path",
        "get_base_url",
        "on_file_upload",
        "on_mkdir",
        "before_directory_delete",
        "before_file_delete",
        "on_directory_delete",
        "on_file_delete",
        "on_rename",
        "on_edit_file",
        "get_upload_form",
        "get_edit_form",
        "get_name_form",
        "get_delete_form",
        "get_action_form",
        "action_delete",
        "action_edit",
    ):
        assert hasattr(fileadmin.FileAdmin, name), name
