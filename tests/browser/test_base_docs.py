"""The foundation in a browser: the API docs render with no network (Swagger UI from the
application's own files)."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from browser_checks import Site


def test_the_api_docs_render_with_nothing_from_outside(page: Page, site: Site):
    outside: list[str] = []

    def only_the_site(route: Route) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_site)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("mynumbercard")
    expect(page.get_by_text("/api/v1/auth/token").first).to_be_visible()
    assert outside == []
