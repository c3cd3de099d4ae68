"""Diagrams of the state machine: Mermaid and DOT with guards and timers on the edges."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import load_rules
from tactful.authoring.graph import dot, edges, layout, mermaid
from tactful.language.loader import shipped_names

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "tactful"
RULE_SETS = [*shipped_names(), *(str(p) for p in sorted(ROOT.glob("examples/rules/*.yaml")))]
needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def tactful(tmp_path: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path / "home"), TACTFUL_NOW="2026-05-04T17:00:00+00:00", TACTFUL_TZ="UTC")
    if path is not None:
        env["PATH"] = path
    return subprocess.run([str(EXE), *args], capture_output=True, env=env, cwd=tmp_path, timeout=120, check=False)


@pytest.mark.parametrize("ref", RULE_SETS, ids=lambda r: Path(r).name)
def test_every_state_and_timer_of_every_rule_set_is_drawn(ref):
    rs = load_rules(ref)
    text = mermaid(rs)
    assert text.startswith(f'---\ntitle: "{ref}"\n---\nstateDiagram-v2\n')
    assert f"    [*] --> {rs.initial}\n" in text
    drawn = {e.source for e in edges(rs)} | {e.target for e in edges(rs)}
    assert drawn == set(rs.states)
    for state in rs.states.values():
        for timer in state.timers:
            assert any(e.timer and f"at {timer.at.source}" in " ".join(e.labels) for e in edges(rs))
        assert (f"    {state.name} --> [*]\n" in text) == state.final
    assert dot(rs).startswith(f'digraph "{ref}" {{')


def test_guards_and_timers_label_the_edges():
    text = mermaid(load_rules("small-company"))
    assert "    interviewed --> follow_up_due: at first_inquiry\n" in text
    assert "    interviewed --> awaiting_decision: note_sent, emailed, thank_you_sent\n" in text
    assert "    awaiting_reply --> second_follow_up_due: at second_inquiry [inquiries_left]\n" in text
    assert "    awaiting_reply --> awaiting_final_reply: at second_inquiry [else]\n" in text
    assert "    follow_up_due --> callback_scheduled: called [outcome == 'callback_requested']\n" in text
    assert "    follow_up_due --> awaiting_final_reply: called, note_sent, emailed [not inquiries_left]\n" in text


def test_events_that_leave_the_state_as_it_is_are_not_drawn():
    labels = " ".join(label for e in edges(load_rules("default")) for label in e.labels)
    assert "news" not in labels


def test_dot_dashes_timers_and_marks_the_current_state():
    text = dot(load_rules("default"), current="follow_up_due", visited={"interviewed"})
    assert '"interviewed" -> "follow_up_due" [label="at first_inquiry", style=dashed];' in text
    assert '"follow_up_due" [fillcolor="#ffd54f"' in text
    assert '"moved_on" [peripheries=2];' in text


def test_state_names_mermaid_cannot_take_as_ids_are_declared(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(
        "events:\n  go: {}\nstates:\n  waiting room:\n    initial: true\n    on:\n"
        "      go:\n        - {to: end, when: \"company == 'a;b'\"}\n        - {to: end}\n"
        "  end: {final: true}\n"
    )
    text = mermaid(load_rules(str(path)), current="end")
    assert '    state "waiting room" as state_1\n' in text and '    state "end" as state_2\n' in text
    assert "    state_1 --> state_2: go [company == 'a#59;b'] | go [else]\n" in text
    assert "    class state_2 current\n" in text


def test_rules_graph_prints_mermaid_by_default_and_dot_on_request(tmp_path):
    proc = tactful(tmp_path, "rules", "graph", "small-company")
    assert proc.returncode == 0 and proc.stdout.decode() == mermaid(load_rules("small-company"))
    proc = tactful(tmp_path, "rules", "graph", str(ROOT / "examples/rules/one-call.yaml"), "--format", "dot")
    assert proc.returncode == 0 and proc.stdout.startswith(b"digraph ")
    assert not (tmp_path / "home").exists()


@needs_graphviz
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_rules_graph_draws_svg_and_png_with_graphviz(tmp_path, fmt):
    proc = tactful(tmp_path, "rules", "graph", "default", "--format", fmt, "-o", f"rules.{fmt}")
    assert proc.returncode == 0, proc.stderr
    data = (tmp_path / f"rules.{fmt}").read_bytes()
    assert b"<svg" in data if fmt == "svg" else data.startswith(b"\x89PNG")


@needs_graphviz
def test_graphviz_accepts_the_dot_of_every_rule_set(tmp_path):
    for ref in RULE_SETS:
        proc = subprocess.run(["dot", "-Tsvg"], input=dot(load_rules(ref)).encode(), capture_output=True, check=False)
        assert proc.returncode == 0, (ref, proc.stderr)


def test_without_graphviz_svg_is_refused_with_a_clear_line(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = tactful(tmp_path, "rules", "graph", "default", "--format", "svg", path=str(empty))
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().count("\n") == 1 and "install graphviz" in proc.stderr.decode()


def test_show_graph_marks_where_an_application_stands(tmp_path):
    assert tactful(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04").returncode == 0
    assert tactful(tmp_path, "record", "1", "thank_you_sent").returncode == 0
    text = tactful(tmp_path, "show", "1", "--graph").stdout.decode()
    assert text.startswith('---\ntitle: "default"\n---\nstateDiagram-v2\n')
    assert "    class awaiting_decision current\n" in text and "    class interviewed visited\n" in text
    proc = tactful(tmp_path, "show", "1", "--graph", "--json")
    assert proc.returncode == 2 and b"leave out --json" in proc.stderr


def test_transitions_every_state_in_process_shares_are_drawn_once_from_a_group():
    rs = load_rules("default")
    drawn = layout(rs)
    assert "interviewed" in drawn.group and "awaiting_final_reply" in drawn.group
    assert not {"offer_received", "rejected"} & set(drawn.group), "a target of the group stays outside it"
    assert {(e.target, e.labels) for e in drawn.shared} == {
        ("offer_received", ("offer",)),
        ("rejected", ("rejected",)),
        ("withdrawn", ("withdrawn",)),
    }
    text = dot(rs)
    assert text.count('-> "withdrawn"') == 3, "once from the group, once each from offer_received and rejected"
    assert len(edges(rs)) - len(drawn.rest) == 3 * len(drawn.group)
    assert 'subgraph cluster_in_process {\n        label="while in process";' in text
    assert '__in_process -> "offer_received" [label="offer", ltail=cluster_in_process];' in text
    assert (
        '"awaiting_reply" -> "second_follow_up_due" [label="at second_inquiry [inquiries_left]", style=dashed];' in text
    )
    chart = mermaid(rs)
    assert '    state "while in process" as in_process {\n        [*] --> interviewed\n' in chart
    assert "    in_process --> withdrawn: withdrawn\n" in chart and "    [*] --> in_process\n" in chart
    assert "interviewed --> withdrawn" not in chart


def _triggers(source, target, labels):
    """Each (source, target, trigger, guard) an edge's labels stand for."""
    found = set()
    for label in labels:
        names, _, guard = label.partition(" [")
        found |= {(source, target, name.strip(), guard) for name in names.split(",")}
    return found


@pytest.mark.parametrize("ref", RULE_SETS, ids=lambda r: Path(r).name)
def test_the_grouped_layout_loses_no_transition(ref):
    """Every transition is drawn once: as it is, or by the group for each of the group's states."""
    rs = load_rules(ref)
    drawn = layout(rs)
    every = set().union(*(_triggers(e.source, e.target, e.labels) for e in edges(rs)))
    shown = set().union(set(), *(_triggers(e.source, e.target, e.labels) for e in drawn.rest))
    shown |= set().union(set(), *(_triggers(s, e.target, e.labels) for e in drawn.shared for s in drawn.group))
    assert shown == every


def test_a_rule_set_without_shared_transitions_is_drawn_flat(tmp_path):
    path = tmp_path / "flat.yaml"
    path.write_text(
        "events:\n  go: {}\n  stop: {}\nstates:\n  a:\n    initial: true\n    on: {go: b}\n"
        "  b:\n    on: {stop: c}\n  c: {final: true}\n"
    )
    rs = load_rules(str(path))
    assert layout(rs).group == () and "cluster" not in dot(rs) and "in_process" not in mermaid(rs)
