"""Rasid's web view: a Datasette plugin. This package is the plugin Datasette loads (the `datasette`
entry point `rasid`), so it finds the pages' templates/ and static/ beside it; the hooks live in
web/plugin.py and are named here for Datasette (pluggy) to find on the package."""

from web.plugin import (  # noqa: F401
    asgi_wrapper,
    extra_css_urls,
    prepare_connection,
    register_output_renderer,
    register_routes,
    render_cell,
)
