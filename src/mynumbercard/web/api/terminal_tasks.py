"""The API's counter routes that touch the holder's card: they ask the clerk's counter
terminal, as the pages do (issue 14 points 3 and 4, docs/chip.md "Counter tasks").

No PIN and no card file ever comes to the server: a body that carries one is refused
(422) before anything is looked up, and the route answers 202 with the counter task the
clerk's terminal (`mynumbercard terminal next|serve`) runs with the card in its reader.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from mynumbercard.services.counter_tasks import TaskView
from mynumbercard.web.api.counter_tasks import TaskOut

# What a PIN or the card travelled in before; refused by name so the client learns why.
REFUSED_FIELDS = ("pins", "card_file")
THROUGH_TERMINAL = ("the holder's card and PINs never come to the server: they go through "
                    "the counter terminal's reader and PIN pad (docs/chip.md); this route "
                    "makes a counter task for your terminal")


class NoCardNorPins(BaseModel):
    """A request body that may not carry a PIN or a card file (its value is never read,
    echoed or logged: the refusal names the field only)."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_card_and_pins(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in REFUSED_FIELDS:
                if name in data:
                    raise PydanticCustomError("through_terminal",
                                              "`{field}`: {why}",
                                              {"field": name, "why": THROUGH_TERMINAL})
        return data


class TaskAsked(TaskOut):
    follow: str = Field(description="Where to follow the task (`GET` it): pending until "
                        "the clerk's terminal takes it, then its outcome")


def asked(task: TaskView, response: Response) -> TaskAsked:
    """The task the route made, with where to follow it (also the `Location` header)."""
    url = f"/api/v1/counter-tasks/{task.id}"
    response.headers["Location"] = url
    return TaskAsked.model_validate({**TaskOut.model_validate(task).model_dump(),
                                     "follow": url})
