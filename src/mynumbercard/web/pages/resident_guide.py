"""/guide: what the card is and how to get it, validity and renewal, the counter, moving,
the PINs, and the fraud warning (docs/resident.md). Static text, in the page's language."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.errors import NotFound
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.templating import render

router = page_router(prefix="/guide")

TOPICS = {  # path -> title (msgid)
    "": "The My Number Card: what it is and how to get it",
    "renewal": "How long the card is valid, and renewing it",
    "counter": "At the counter: what to bring, and collecting for someone else",
    "moving": "When you move to another municipality",
    "pin": "Your PINs, and when they are locked",
    "fraud": "Fraud: what no one will ever ask of you",
}


@router.get("")
def start(request: Request) -> HTMLResponse:
    return render(request, "resident/guide.html", topic="", topics=TOPICS)


@router.get("/{topic}")
def topic_page(request: Request, topic: str) -> HTMLResponse:
    if topic not in TOPICS or not topic:
        raise NotFound("no such page in the guide")
    return render(request, "resident/guide.html", topic=topic, topics=TOPICS)
