"""The board's API and forms check what they are sent at the edge, with the CLI's own limits:
every bad request is a 4xx with one line, never a 500, and writes nothing; `export` still
takes a backup afterwards."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the webtest extra)")

from tactful.web.security import MAX_BODY  # noqa: E402

from .clirun import doc, ok  # noqa: E402
from .webclient import AUTH, NOW, client, csrf_of, fill  # noqa: E402


@pytest.fixture
def home(tmp_path):
    fill(tmp_path / "home")
    return tmp_path / "home"


def one_line(answer) -> str:
    error = answer.json()["error"]
    assert isinstance(error, str) and error and "\n" not in error and "Traceback" not in error
    return error


@pytest.mark.parametrize("app_id", [str(2**63), str(2**63 - 1), "9" * 5000, "0", "-1"])
@pytest.mark.parametrize("path", ["/api/applications/{}", "/api/applications/{}/can/call"])
def test_an_id_out_of_range_is_an_unknown_one(home, app_id, path):
    with client(home) as web:
        answer = web.get(path.format(app_id))
    assert answer.status_code == 404 and one_line(answer)


def test_an_id_out_of_range_posted_to_is_bad_input(home):
    with client(home) as web:
        answer = web.post(f"/api/applications/{'9' * 5000}/events", json={"event": "news"}, headers=AUTH)
    assert answer.status_code == 422 and one_line(answer)


@pytest.mark.parametrize("days", ["9" * 5000, "1000000", "-1", "x"])
def test_days_out_of_range_is_bad_input(home, days):
    with client(home) as web:
        answer = web.get(f"/api/agenda?days={days}")
    assert answer.status_code == 422 and len(one_line(answer)) < 120


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'["thank_you_sent"]',
        b'{"event": "thank_you_snet"}',
        b'{"event": "called", "outcome": "shouting"}',
        b'{"event": "thank_you_sent", "at": "yesterday"}',
        b'{"event": "thank_you_sent", "colour": "blue"}',
        b'{"event": "called", "outcome": 3}',
        b'{"event": "news", "text": "a\\ud800b"}',  # a lone surrogate
        b'{"event": "news", "text": "a\\u0000b"}',  # NUL
        json.dumps({"event": "news", "text": "x" * 4001}).encode(),
        b"[" * 30_000 + b"]" * 30_000,  # nested past any reader, within the size limit
        b'{"event": "news", "self": "x"}',
        b'{"event": "news", "app_id": "2"}',
        b"\xff\xfe not UTF-8",
    ],
)
def test_bad_input_to_the_api_is_422_one_line_and_writes_nothing(home, body):
    before = doc(home, "show", "1", now=NOW)
    with client(home) as web:
        answer = web.post("/api/applications/1/events", content=body, headers=AUTH)
    assert answer.status_code == 422 and one_line(answer)
    assert doc(home, "show", "1", now=NOW) == before
    ok(home, "export", now=NOW)  # a backup can still be taken


def test_a_body_past_the_limit_is_413_whether_it_says_so_or_streams(home):
    big = json.dumps({"event": "news", "text": "x" * (2 * MAX_BODY)}).encode()
    with client(home) as web:
        said = web.post("/api/applications/1/events", content=big, headers=AUTH)

        def chunks():
            for _ in range(3):
                yield b"x" * MAX_BODY

        streamed = web.post("/api/applications/1/events", content=chunks(), headers=AUTH)
    assert said.status_code == 413 and "larger than 64 KiB" in one_line(said)
    assert streamed.status_code == 413 and one_line(streamed)


@pytest.mark.parametrize("field", ["self", "app_id", "at_", "company"])
def test_a_form_passes_on_only_the_events_own_fields(home, field):
    with client(home) as web:
        token = csrf_of(web.get("/applications/1").text)
        answer = web.post("/applications/1/events", data={"event": "news", "text": "Series B", field: "2",
                                                           "csrf": token})  # fmt: skip
    assert answer.status_code == 303
    shown = doc(home, "show", "1", now=NOW)
    assert shown["facts"]["news"] == "Series B" and shown["company"] != "2"
