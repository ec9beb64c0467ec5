"""The API document: ``/schema/openapi.json`` and a plain page at ``/schema`` that links to it.

No interactive viewer: those load scripts from CDNs, which the content security policy forbids.
"""

from __future__ import annotations

import html
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin


class SchemaIndexPlugin(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        link = html.escape(self.get_openapi_json_route(request))
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"</head><body><h1>{title}</h1>"
            f'<p>The OpenAPI document: <a href="{link}">{link}</a></p></body></html>'
        ).encode()
