"""Patterns: a str is a substring; a compiled re.Pattern is a regex whose flags are
honoured; Python regex features either work or fail at call time, never silently."""

from __future__ import annotations

import re
import warnings

import pytest

import procwright

LINES = "first line\\nServer READY on port 8080\\nkey=value key=value\\nprice: 42 USD\\nno newline"


@pytest.fixture
async def proc(sb):
    p = await sb.start_process(f"printf '{LINES}'; sleep 30")
    await p.wait_for_log("no newline", timeout=30)  # the unfinished last line counts
    return p


async def test_substring_is_not_a_regex(proc):
    m = await proc.wait_for_log("port 8080")
    assert m.line == "Server READY on port 8080"
    assert m.match is None
    with pytest.raises(procwright.ProcessReadyTimeoutError):
        await proc.wait_for_log("port \\d+", timeout=0.2)  # a literal backslash-d


async def test_ignorecase(proc):
    with pytest.raises(procwright.ProcessReadyTimeoutError) as info:
        await proc.wait_for_log(re.compile("server ready"), timeout=0.2)
    assert info.value.condition == "/server ready/"
    m = await proc.wait_for_log(re.compile("server ready", re.IGNORECASE))
    assert m.match == ["Server READY"]


async def test_multiline_and_dotall_on_single_lines(proc):
    m = await proc.wait_for_log(re.compile(r"^price: (\d+)", re.MULTILINE))
    assert m.match[1] == "42"
    m = await proc.wait_for_log(re.compile(r"price.*USD$", re.DOTALL))
    assert m.line == "price: 42 USD"


async def test_verbose(proc):
    pattern = re.compile(
        r"""
        port \s+    # the word, then spaces
        (?P<port>\d+)  # the number
        """,
        re.VERBOSE,
    )
    m = await proc.wait_for_log(pattern)
    assert m.match == ["port 8080", "8080"]
    assert m.named == {"port": "8080"}


async def test_python_named_groups_and_backrefs(proc):
    m = await proc.wait_for_log(re.compile(r"(?P<k>\w+)=(?P<v>\w+) (?P=k)=(?P=v)"))
    assert m.named == {"k": "key", "v": "value"}
    m = await proc.wait_for_log(re.compile(r"(\w+)=\w+ \1"))
    assert m.match[1] == "key"


async def test_lookarounds(proc):
    m = await proc.wait_for_log(re.compile(r"(?<=port )\d+"))
    assert m.match == ["8080"]
    m = await proc.wait_for_log(re.compile(r"\d+(?= USD)"))
    assert m.match == ["42"]
    m = await proc.wait_for_log(re.compile(r"^(?!Server)\w+ line"), timeout=30)
    assert m.line == "first line"
    with pytest.raises(procwright.ProcessReadyTimeoutError):
        await proc.wait_for_log(re.compile(r"^(?!first)\w+ line$"), timeout=0.2)


async def test_inline_flags_comments_and_anchors(proc):
    m = await proc.wait_for_log(re.compile(r"(?i)server (?#comment)ready"))
    assert m.match == ["Server READY"]
    m = await proc.wait_for_log(re.compile(r"\Ano newline\Z"))
    assert m.line == "no newline"
    m = await proc.wait_for_log(re.compile(r"(?:USD|EUR)$"))
    assert m.stream == "stdout"


async def test_unmatched_groups_are_none(proc):
    m = await proc.wait_for_log(re.compile(r"price: (\d+) (EUR)?"))
    assert m.match == ["price: 42 ", "42", None]


async def test_unsupported_features_fail_at_call_time(proc):
    # Refused when the method is called, before anything is awaited: a quantified
    # group with an inline verbose flag is one thing the engine cannot read as re does.
    with pytest.raises(procwright.InvalidArgumentError) as info:
        proc.wait_for_log(re.compile("(?x:a b)"))
    assert info.value.code == "INVALID_PATTERN"
    assert "inline flags" in info.value.message


async def test_ascii_and_set_operations_read_as_re_reads_them(sb):
    p = await sb.start_process("echo 'héllo a&b [x]'; sleep 30")
    m = await p.wait_for_log(re.compile(r"\w+", re.ASCII), timeout=30)
    assert m.match == ["h"]
    with warnings.catch_warnings():
        # re's notes on `&&` and `[[`, which it reads literally (and so does procwright).
        warnings.simplefilter("ignore", FutureWarning)
        intersection = re.compile(r"[a&&b]+")
        nested = re.compile(r"[[x]+\]")
    m = await p.wait_for_log(intersection, timeout=30)
    assert m.match == ["a&b"]
    m = await p.wait_for_log(nested, timeout=30)
    assert m.match == ["[x]"]


async def test_unicode_matching(sb):
    p = await sb.start_process("echo 'Größe: ÄÖÜ ✓ done'; sleep 30")
    m = await p.wait_for_log(re.compile(r"größe: (\w+) ✓", re.IGNORECASE), timeout=30)
    assert m.match[1] == "ÄÖÜ"
    assert (await p.wait_for_log("✓ done")).line == "Größe: ÄÖÜ ✓ done"


async def test_stderr_lines_match(sb):
    p = await sb.start_process("echo 'listening on 9000' >&2; sleep 30")
    m = await p.wait_for_log(re.compile(r"listening on (\d+)"), timeout=30)
    assert m.stream == "stderr"
    assert m.match[1] == "9000"
