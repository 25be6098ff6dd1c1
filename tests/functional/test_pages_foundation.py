"""The pages' foundation through the application: the language a page is in, the CSRF
token every form carries, refusals as pages (the API's stay JSON), the static files."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import NotFound
from mynumbercard.web.pages import csrf, page_router
from mynumbercard.web.pages.templating import environment, render

from api_checks import ApiClient


def _client(api_client: ApiClient, container: Container) -> TestClient:
    """The application with one page of a test area: GET shows a page, POST accepts the
    form, GET /t/missing raises what a look-up of nothing raises."""
    router = page_router(prefix="/t")

    @router.get("/page")
    @router.post("/page")
    def page(request: Request) -> HTMLResponse:
        return render(request, "error.html", status=200, message="Menu", home="/")

    @router.get("/missing")
    def missing() -> HTMLResponse:
        raise NotFound("no such resident")

    client = api_client(container)
    client.app.api.include_router(router)  # type: ignore[attr-defined]
    return client


def test_a_page_is_japanese_unless_asked_and_remembers_the_choice(
        api_client: ApiClient, container: Container):
    client = _client(api_client, container)
    first = client.get("/t/page")
    assert first.status_code == 200
    assert '<html lang="ja">' in first.text
    assert "本文へ移動" in first.text
    assert "script-src 'self'" in first.headers["content-security-policy"]
    assert 'href="/t/page?lang=en"' in first.text
    english = client.get("/t/page", params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert "Skip to the content" in english.text
    assert client.get("/t/page").text.count('lang="en"') >= 1  # the cookie remembers
    client.cookies.clear()
    assert '<html lang="en">' in client.get(
        "/t/page", headers={"Accept-Language": "en-US,en;q=0.8"}).text


def test_every_post_needs_the_forms_token_from_this_site(
        api_client: ApiClient, container: Container):
    client = _client(api_client, container)
    shown = client.get("/t/page")
    cookie = shown.cookies[csrf.COOKIE]
    set_cookie = shown.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=strict" in set_cookie
    form = environment("ja").from_string("{{ csrf_field() }}").render(csrf_token=cookie)
    assert form == f'<input type="hidden" name="csrf_token" value="{cookie}">'
    refused = client.post("/t/page", data={"csrf_token": "x" * 43})
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert "フォームの有効期限が切れました" in refused.text
    assert client.post("/t/page", data={}).status_code == 403
    assert client.post("/t/page", data={"csrf_token": cookie},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    accepted = client.post("/t/page", data={"csrf_token": cookie},
                           headers={"Origin": "http://testserver"})
    assert accepted.status_code == 200


def test_a_refusal_on_a_page_is_a_page_and_in_the_api_still_json(
        api_client: ApiClient, container: Container):
    client = _client(api_client, container)
    page = client.get("/t/missing", params={"lang": "en"})
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert "no such resident" in page.text
    api = client.get("/api/v1/residents/999999")
    assert api.headers["content-type"] == "application/json"


def test_the_static_files_are_served_by_the_application(
        api_client: ApiClient, container: Container):
    client = _client(api_client, container)
    css = client.get("/static/pages.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert client.get("/static/../config.py").status_code == 404
