"""The bodies of the routes that ask the counter terminal (web/api/terminal_tasks.py):
a PIN or a card file is refused by name, its value never echoed; the rest as before."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from mynumbercard.web.api.applications import Identity
from mynumbercard.web.api.renewal import Collect, LeaveCard, Mail, Reason, Renew
from mynumbercard.web.api.validity import Correct

SECRET = "SUZUKI85"
BODIES: list[tuple[type[BaseModel], dict[str, object]]] = [
    (Identity, {"notice_presented": True, "documents": ["passport"]}),
    (Renew, {"kinds": ["auth"]}), (LeaveCard, {"kinds": ["auth"], "documents": ["passport"]}),
    (Mail, {"tracking_number": "3001"}), (Reason, {"reason": "x"}),
    (Collect, {"documents": ["passport"]}), (Correct, {})]


@pytest.mark.parametrize(("model", "body"), BODIES)
@pytest.mark.parametrize("field", ["pins", "card_file"])
def test_a_pin_or_a_card_file_is_refused_by_name_and_never_echoed(
        model: type[BaseModel], body: dict[str, object], field: str) -> None:
    model.model_validate(body)  # without them: accepted
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**body, field: {"user_auth": SECRET}})
    (error,) = refused.value.errors(include_input=False)
    assert error["type"] == "through_terminal"
    assert error["msg"].startswith(f"`{field}`: ")
    assert "counter terminal" in error["msg"]
    assert SECRET not in error["msg"]
