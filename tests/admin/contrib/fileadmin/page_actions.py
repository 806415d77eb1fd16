"""What the file manager page tests share: reading the list and posting its forms."""

from __future__ import annotations

import io
from typing import Any

from tests.admin.contrib.fileadmin.files import token_from

from hipflask.testing.client import HipflaskClient


def upload(
    client: HipflaskClient, name: str, data: bytes, url: str = "/admin/files/upload/"
) -> Any:
    return client.post(
        url,
        data={"csrf_token": token_from(client), "upload": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def mkdir(client: HipflaskClient, name: str, url: str = "/admin/files/mkdir/") -> Any:
    return client.post(url, data={"csrf_token": token_from(client), "name": name})


def rename(client: HipflaskClient, path: str, name: str) -> Any:
    token = token_from(client, f"/admin/files/rename/?path={path}")
    return client.post(
        "/admin/files/rename/", data={"csrf_token": token, "path": path, "name": name}
    )


def delete(client: HipflaskClient, path: str) -> Any:
    return client.post(
        "/admin/files/delete/", data={"csrf_token": token_from(client), "path": path}
    )
