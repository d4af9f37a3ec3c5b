"""The regex cases of tests/dialects/cases.json: every Python row is checked against
`re` itself (the oracle, so the table cannot drift from it), then through procwright:
a process prints the input line and `wait_for_log` gets the compiled pattern."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

import procwright

CASES = json.loads((Path(__file__).resolve().parents[1] / "dialects" / "cases.json").read_text())
PY = [r for r in CASES if r["dialect"] == "python"]


def flags_of(row) -> int:
    f = 0
    for name in row["flags"]:
        f |= getattr(re, name)
    return f


def compiled(row):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile(row["pattern"], flags_of(row))


def test_the_table_is_big_enough():
    assert len(CASES) >= 150
    assert len(PY) >= 75


@pytest.mark.parametrize("row", PY, ids=lambda r: f"/{r['pattern']}/{''.join(r['flags'])}")
def test_re_gives_what_the_table_says(row):
    try:
        m = compiled(row).search(row["input"])
    except (re.error, ValueError):
        assert row["expect"] == "INVALID_PATTERN"
        return
    got = None if m is None else [m.group(0), *m.groups()]
    assert got == row["expect"]


def procwright_expects(row):
    if "refused" in row:
        return "INVALID_PATTERN"
    if "differs" in row:
        return row["differs"]["procwright"]
    return row["expect"]


# What a process can print as one line: no line break (which ends a line) and no NUL
# (which no argv carries). The core's test reads those rows directly.
PRINTABLE = [
    r for r in PY
    if r["expect"] != "INVALID_PATTERN" and not any(c in r["input"] for c in "\n\r\x00")
]


async def test_procwright_reads_each_pattern_as_re_does(sb):
    assert len(PRINTABLE) >= 60
    wrong = []
    for row in PRINTABLE:
        want = procwright_expects(row)
        p = await sb.start_process(["printf", "%s\\n", row["input"]])
        try:
            hit = await p.wait_for_log(compiled(row), timeout=30)
            got = hit.match
        except procwright.ProcessExitedBeforeReadyError:
            got = None
        except procwright.InvalidArgumentError as e:
            assert e.code == "INVALID_PATTERN", e
            got = "INVALID_PATTERN"
        if got != want:
            wrong.append(f"/{row['pattern']}/{row['flags']} on {row['input']!r}: want {want!r}, got {got!r}")
    assert not wrong, "\n".join(wrong)
