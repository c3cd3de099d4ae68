"""The safe evaluator: what rule expressions may and may not do."""

from datetime import datetime, timedelta

import pytest

from tactful.language.expr import ExpressionError, compile_expression

KNOWN = {"calls_made", "max_calls", "callback_invited", "last_call", "grace", "interviewed"}


def test_a_guard_reads_names_and_compares():
    guard = compile_expression("calls_made < max_calls or callback_invited", KNOWN)
    assert guard({"calls_made": 1, "max_calls": 2, "callback_invited": False}) is True
    assert guard({"calls_made": 2, "max_calls": 2, "callback_invited": False}) is False
    assert guard.names == {"calls_made", "max_calls", "callback_invited"}


def test_durations_can_be_written_inline():
    due = compile_expression("interviewed + 1 day + 2 weeks", KNOWN)
    assert due({"interviewed": datetime(2026, 5, 4)}) == datetime(2026, 5, 19)


def test_arithmetic_and_ordering_with_an_unknown_moment_give_none_and_false():
    assert compile_expression("last_call + grace", KNOWN)({"last_call": None, "grace": timedelta(days=3)}) is None
    assert compile_expression("last_call < interviewed", KNOWN)({"last_call": None, "interviewed": 1}) is False


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("calls_mad < 2", "unknown name 'calls_mad'; did you mean 'calls_made'?"),
        ("grace.days", "'attribute' is not allowed"),
        ("open('x')", "unknown function 'open'"),
        ("__import__('os')", "names may not start with '_'"),
        ("[x for x in max_calls]", "'listcomp' is not allowed"),
        ("calls_made <", "cannot read this expression"),
        ("max_calls[0]", "'subscript' is not allowed"),
        ("lambda: 1", "'lambda' is not allowed"),
    ],
)
def test_unsafe_or_unknown_expressions_fail_at_compile_time(source, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        compile_expression(source, KNOWN)


def test_registered_functions_may_be_called():
    expr = compile_expression("earliest(last_call, interviewed)", KNOWN)
    assert expr({"last_call": None, "interviewed": 5}) == 5


@pytest.mark.parametrize(
    ("moment", "day", "held"),
    [
        (datetime(2027, 12, 29, 10), "02-01", datetime(2028, 2, 1, 10)),  # a winter offer waits for 1 February
        (datetime(2028, 3, 1, 10), "02-01", datetime(2028, 3, 1, 10)),  # after it: next year's is too far
        (datetime(2027, 6, 28, 10), "10-01", datetime(2027, 10, 1, 10)),  # jp-newgrad's summer offer
        (datetime(2027, 10, 1, 10), "10-01", datetime(2027, 10, 1, 10)),  # on the day itself
        (datetime(2027, 3, 1, 10), "10-01", datetime(2027, 3, 1, 10)),  # more than half a year ahead
        (datetime(2027, 6, 28, 10), None, datetime(2027, 6, 28, 10)),  # a setting left null
        (None, "02-01", None),  # an unknown moment stays unknown
    ],
)
def test_not_before_holds_a_moment_to_a_date_within_half_a_year(moment, day, held):
    expr = compile_expression("not_before(last_call, day)", {*KNOWN, "day"})
    assert expr({"last_call": moment, "day": day}) == held


def test_an_unknown_name_points_at_its_column():
    with pytest.raises(ExpressionError) as err:
        compile_expression("calls_made < maxcalls", KNOWN)
    assert err.value.col == 13


def test_a_mistyped_duration_is_named_at_its_column():
    with pytest.raises(ExpressionError, match=r"^'2 dayz' is not a duration; write a whole number and a unit") as err:
        compile_expression("interviewed + 1 day + 2 dayz", KNOWN)
    assert err.value.col == 22


def test_a_number_before_a_keyword_is_no_mistyped_duration():
    with pytest.raises(ExpressionError, match="cannot read this expression"):
        compile_expression("grace if 3 and max_calls", KNOWN)
