"""``hipflask openapi``: write the app's OpenAPI 3.1 document.

Works whether or not the app serves the document (``OPENAPI_ENABLED``), so a
build step can publish or check the API description of a production app::

    hipflask --app myapp openapi --output openapi.json
"""

from __future__ import annotations

import json

import click

from ..contexts.globals import current_app
from ..core.commands import with_appcontext

__all__ = ["openapi_command"]


@click.command("openapi", short_help="Write the app's OpenAPI document.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="The file to write; standard output by default.",
)
@click.option("--indent", type=int, default=2, show_default=True, help="JSON indentation.")
@with_appcontext
def openapi_command(output: str | None, indent: int) -> None:
    """Generate the OpenAPI 3.1 document of the app's routes and write it as JSON."""
    from ..openapi import OpenAPI
    from ..openapi import openapi_document

    app = current_app._get_current_object()
    extension = app.extensions.get("openapi")
    build = extension.document if isinstance(extension, OpenAPI) else openapi_document
    document = build(app)
    text = json.dumps(document, indent=indent or None, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as file:
        file.write(text)
    count = len(document["paths"])
    paths = "1 path" if count == 1 else f"{count} paths"
    click.echo(f"Wrote the OpenAPI document of {paths} to {output}.")
