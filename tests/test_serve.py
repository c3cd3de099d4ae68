"""`tactful serve` as a user runs it: a real process on 127.0.0.1 that prints its URL and token,
answers as of --now, refuses a foreign Host, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import stat

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")

from .clirun import doc, run  # noqa: E402
from .webclient import NOW, fill  # noqa: E402
from .webserver import fetch, serving, stop  # noqa: E402


def test_serve_prints_its_url_and_token_answers_as_of_now_and_stops_on_ctrl_c(tmp_path):
    home = tmp_path / "home"
    fill(home)
    with serving(home, now=NOW) as served:
        assert served.url.startswith("http://127.0.0.1:")
        status, page = fetch(served.url)
        assert status == 200 and b"Northwind" in page and b"Tue 05 May 2026, 12:00" in page
        status, body = fetch(served.url + "api/applications")
        assert json.loads(body) == doc(home, "list", now=NOW)
        assert fetch(served.url, headers={"Host": "rebound.example"})[0] == 400
        write = json.dumps({"event": "thank_you_sent"}).encode()
        url = served.url + "api/applications/1/events"
        assert fetch(url, {"Content-Type": "application/json"}, write)[0] == 401
        auth = {"Content-Type": "application/json", "Authorization": f"Bearer {served.token}"}
        assert fetch(url, auth, write)[0] == 200
        code, rest = stop(served.proc)
    assert code == 0 and "stopped" in rest and "Traceback" not in rest
    token_file = home / "web-token"
    assert token_file.read_text().strip() == served.token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "warning" not in "".join(served.stderr)


def test_serve_on_an_address_that_is_not_loopback_warns(tmp_path):
    """192.0.2.1 is a documentation address, never this machine's: it warns, then cannot bind."""
    proc = run(tmp_path / "home", "serve", "--host", "192.0.2.1", "--port", "0", now=NOW)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and proc.stdout == ""
    assert "not this machine's loopback" in lines[0] and "cannot listen on 192.0.2.1:0" in lines[1]
    assert "Traceback" not in proc.stderr


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(tmp_path):
    home = tmp_path / "home"
    with serving(home, now=NOW) as served:
        port = served.url.rsplit(":", 1)[1].strip("/")
        proc = run(home, "serve", "--port", port, now=NOW)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--port" in proc.stderr


def test_demo_serve_opens_the_demos_search_in_the_browser(tmp_path):
    """`demo --serve` tells the browser (here a script that notes the URL) to open the board."""
    from .webserver import read_until, start

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    proc = start(tmp_path / "home", "demo", "--serve", now=None, env={"BROWSER": f"{browser} %s"})
    lines: list[str] = []
    url = read_until(proc, r"the board is at (http://\S+)", lines).group(1)
    read_until(proc, r"API token", lines)
    status, page = fetch(url)
    finished = fetch(url + "finished")[1]  # the demo ends with both decided: counted on the board, listed there
    api = json.loads(fetch(url + "api/applications")[1])
    code, rest = stop(proc)
    assert status == 200 and b">2 finished applications</a>" in page
    assert b"Northwind Traders" in finished and b"Tiny Bakery" in finished
    assert [app["state"] for app in api] == ["accepted", "declined"]
    assert opened.read_text().strip() == url
    assert code == 0 and "stopped" in rest
    assert not (tmp_path / "home").exists(), "the demo keeps to its throwaway folder"


def test_serve_without_the_web_extra_says_how_to_get_it(tmp_path):
    """A Starlette that cannot be imported stands for the extra not installed."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "starlette.py").write_text("raise ImportError('not installed')\n")
    for args in (("serve",), ("demo", "--serve")):
        proc = run(tmp_path / "home", *args, now=NOW, env={"PYTHONPATH": str(shim)})
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr == "tactful: 'tactful serve' needs the web extra: pip install 'tactful[web]'\n"
