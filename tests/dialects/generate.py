#!/usr/bin/env python3
"""Writes cases.json: regex cases for the JS and Python dialects, each with what the
real engine gives (V8 through node, CPython's re). The core's, the Python binding's and
the Node binding's tests all read cases.json, and the binding tests check every row
against their engine again, so the table cannot drift from the engines.

    python3 tests/dialects/generate.py      # needs node on PATH

A row: dialect, pattern, flags (JS: a flag string; Python: re flag names), input, and
expect: the match as [whole, group 1, ...] (null for a group that took no part), null
for no match, or "INVALID_PATTERN" when the engine refuses the pattern. A row may add
"refused": why procwright refuses (INVALID_PATTERN) a pattern the engine accepts,
because the Rust engine cannot read it the same way; or "differs": {"procwright": what
procwright gives, "why": the reason}, for the few known differences the README lists.
The engine's own answer stays in "expect" either way.
"""

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (pattern, flags, input[, refused reason])
JS = [
    # classes
    (r"[abc]+", "", "xxbcay"),
    (r"[^abc]+", "", "abxyc"),
    (r"[a-c]", "", "zzb"),
    (r"[\d-x]+", "", "a1-x2"),
    (r"[a&&b]", "", "&"),
    (r"[a&&b]+", "", "x&a&b"),
    (r"[[a]]", "", "x[]"),
    (r"[[a]]", "", "a]"),
    (r"[a--b]+", "", "x-a-"),
    (r"[a~~b]+", "", "~~a"),
    (r"[^]", "", "x"),
    (r"a[^]b", "", "a\u2028b"),
    (r"a[]b", "", "ab"),
    (r"[]]", "", "]"),
    (r"[\]]+", "", "a]]"),
    (r"[\w.]+", "", "a.b c"),
    (r"[\s]+", "", "a \t b"),
    (r"[.]", "", "a.b"),
    (r"[\b]", "", "a\bb"),
    (r"[a-]+", "", "b-a-"),
    (r"[\D]+", "", "12ab3"),
    (r"[\W]+", "", "ab-+c"),
    (r"[[:alpha:]]+", "", ":[ahp"),
    # escapes
    (r"\d+", "", "abc 42 é"),
    (r"\d", "", "\u0663"),
    (r"\d", "u", "\u0663"),
    (r"\w+", "", "héllo"),
    (r"\w+", "u", "héllo"),
    (r"\bfoo\b", "", "a foo b"),
    (r"\bé", "", "é"),
    (r"é\b", "", "éa"),
    (r"\B", "", "ab"),
    (r"\s+", "", "a\u00a0\u2003b"),
    (r"\s", "", "\ufeff"),
    (r"\s", "", "\u0085"),
    (r"\S+", "", "  ab "),
    (r"\x41\u0042", "", "xAB"),
    (r"\u{41}", "u", "A"),
    (r"\u{2}", "", "uu"),
    (r"\u{2}", "", "A"),
    (r"\cJ", "", "a\nb"),
    (r"\cA", "", "\x01"),
    (r"\0", "", "a\x00b"),
    (r"\t\v\f", "", "\t\x0b\x0c"),
    (r"\a", "", "a"),
    (r"\a", "", "\x07"),
    (r"\z", "", "z"),
    (r"\A", "", "A"),
    (r"\e", "", "e"),
    (r"\q", "", "q"),
    (r"\a", "u", "a"),
    (r"\-", "", "-"),
    (r"\/", "", "a/b"),
    (r"\.", "", "a.b"),
    (r"\p{L}+", "u", "12héllo3"),
    (r"\p{L}", "", "p{L}"),
    (r"\P{L}+", "u", "ab12cd"),
    (r"\p{Script=Greek}+", "u", "abγδε"),
    (r"\k", "", "k"),
    (r"\1", "", "\x01"),
    (r"\8", "", "8"),
    (r"\12", "", "\n"),
    # quantifiers
    (r"hel{,2}o", "", "hel{,2}o"),
    (r"hel{,2}o", "", "hello"),
    (r"a{2}", "", "aaa"),
    (r"a{2,}", "", "aaaa"),
    (r"a{1,2}", "", "aaa"),
    (r"a{1,2}?", "", "aaa"),
    (r"a{", "", "a{"),
    (r"a{1", "", "a{1"),
    (r"a{1,2", "", "a{1,2"),
    (r"{", "", "{"),
    (r"x{a}", "", "x{a}"),
    (r"a{2,1}", "", "aa"),
    (r"a+?", "", "aaa"),
    (r"a*?b", "", "aab"),
    (r"a??", "", "a"),
    (r"a{,2}", "u", "a"),
    (r"a**", "", "a"),
    (r"(?:ab)+", "", "ababa"),
    # groups and backreferences
    (r"(a)(b)?", "", "a"),
    (r"(a)|(b)", "", "b"),
    (r"(\w+) \1", "", "hey hey you"),
    (r"\1(h)", "", "h"),
    (r"(a\1)", "", "a"),
    (r"(a)\1", "", "aa"),
    (r"(?:x)\1(y)", "", "xy"),
    (r"(?<n>a)\k<n>", "", "aa"),
    (r"\k<n>(?<n>a)", "", "a"),
    (r"(?<year>\d{4})-(?<m>\d\d)", "", "on 2024-05-01"),
    (r"(?<a>x)|(?<b>y)", "", "y"),
    (r"(?P<n>a)", "", "a"),
    (r"(a)\2", "", "a\x02"),
    (r"((a)|b)+", "", "ab", {"differs": {"procwright": ["ab", "b", "a"], "why": "V8 resets the captures of a repeated group at each iteration; the engine (as Python and PCRE) keeps the last value a group took"}}),
    (r"(a*)+", "", "b"),
    (r"(?<n>a)(?<n>b)", "", "ab"),
    (r"(", "", "("),
    (r")", "", ")"),
    # lookarounds
    (r"foo(?=bar)", "", "foobar"),
    (r"foo(?!bar)", "", "foobar foobaz"),
    (r"(?<=\$)\d+", "", "cost $42"),
    (r"(?<!\$)\b\d+", "", "$4 and 5"),
    (r"(?<=a+)b", "", "aaab"),
    (r"(?=(a+))a*b\1", "", "baaabac"),
    (r"(?=a)*", "", "a", {"refused": "a quantified lookahead (Annex B) has no meaning the engine takes"}),
    # anchors, dot, flags
    (r"^ready$", "", "ready"),
    (r"^ready", "", "not ready"),
    (r"a.c", "", "abc"),
    (r"a.c", "", "a\u2028c"),
    (r"a.c", "s", "a\u2028c"),
    (r"READY", "i", "server ready"),
    (r"ß", "i", "SS"),
    (r"\u212a", "i", "k", {"differs": {"procwright": ["k"], "why": "without u, V8 folds case through toUpperCase; the engine uses Unicode simple case folding, as V8 does with u (the Kelvin sign and long s differ)"}}),
    (r"\u212a", "iu", "k"),
    (r"[a-z]+", "i", "ABC"),
    (r"^b", "m", "a b"),
    (r"foo", "y", "xfoo"),
    (r"foo", "y", "foox"),
    (r"foo", "g", "xfoo"),
    (r"foo", "d", "xfoo"),
    (r"[\p{L}--[a-z]]+", "v", "abCDé"),
    (r"[\p{L}&&\p{Lu}]+", "v", "abCD"),
    (r"[[a-z]--[aeiou]]+", "v", "aebcd"),
    (r"\p{Lu}", "v", "aB"),
    (r"[a&&b]", "v", "a"),
    (r"x", "q", "x"),
    (r"x", "gg", "x"),
    # unicode
    (r"é+", "", "ééé"),
    (r"😀", "", "a😀"),
    (r"^.$", "u", "😀"),
    (r"\u{1F600}", "u", "😀"),
    (r"[😀]", "u", "😀"),
    # alternation and misc
    (r"a|b|c", "", "xc"),
    (r"|a", "", "a"),
    (r"a|", "", "b"),
    (r"", "", "abc"),
    (r"(?:)", "", "x"),
    (r"a(?i)b", "", "aB"),
    (r"(?i:a)b", "", "Ab"),
    (r"(?#c)a", "", "a"),
    (r"a++", "", "aa"),
    (r"(?>a)", "", "a"),
]

PY = [
    # classes
    (r"[abc]+", [], "xxbcay"),
    (r"[^abc]+", [], "abxyc"),
    (r"[\d-x]+", [], "a1-x2"),
    (r"[a&&b]+", [], "x&a&b"),
    (r"[[a]]", [], "x[]"),
    (r"[[a]]", [], "a]"),
    (r"[a--b]+", [], "x-a-"),
    (r"[a~~b]+", [], "~~a"),
    (r"[a||b]+", [], "||a"),
    (r"[[:alpha:]]+", [], ":[ahp"),
    (r"[]]", [], "]"),
    (r"[]a]+", [], "x]a]"),
    (r"[^]]+", [], "]ab]"),
    (r"[^]", [], "x"),
    (r"[]", [], "x"),
    (r"[\w.]+", [], "a.b c"),
    (r"[\s]+", [], "a \t b"),
    (r"[\b]", [], "a\bb"),
    (r"[a-]+", [], "b-a-"),
    (r"[\D]+", [], "12ab3"),
    (r"[\N{BULLET}x]+", [], "a•x•"),
    (r"[z-a]", [], "a"),
    # escapes
    (r"\d+", [], "abc 42"),
    (r"\d", [], "\u0663"),
    (r"\d", ["ASCII"], "\u0663"),
    (r"\w+", [], "héllo"),
    (r"\bé", [], "é"),
    (r"é\b", [], "éa"),
    (r"\s+", [], "a\u00a0\u2003b"),
    (r"\s", [], "\x1c"),
    (r"\s", [], "\u0085"),
    (r"\x41\u0042\U00000043", [], "xABC"),
    (r"\N{BULLET}", [], "a•b"),
    (r"\N{LATIN SMALL LETTER E WITH ACUTE}+", [], "éé"),
    (r"\N{NO SUCH NAME}", [], "x"),
    (r"\\N{BULLET}", [], "\\N{BULLET}"),
    (r"\0", [], "a\x00b"),
    (r"\012", [], "a\nb"),
    (r"\a", [], "\x07"),
    (r"\t\v\f", [], "\t\x0b\x0c"),
    (r"\q", [], "q"),
    (r"\e", [], "e"),
    (r"\z", [], "z"),
    (r"\Z", [], "ab"),
    (r"b\Z", [], "ab"),
    (r"\Aa", [], "ab"),
    (r"\p{L}", [], "a"),
    (r"\k<n>", [], "k"),
    (r"\-\/\.", [], "-/."),
    (r"\u00e9", [], "é"),
    (r"\x{41}", [], "A"),
    (r"\cJ", [], "a"),
    # quantifiers
    (r"a{,2}", [], "aaa"),
    (r"hel{,2}o", [], "hello"),
    (r"a{2}", [], "aaa"),
    (r"a{2,}", [], "aaaa"),
    (r"a{1,2}?", [], "aaa"),
    (r"a{", [], "a{"),
    (r"a{1", [], "a{1"),
    (r"x{a}", [], "x{a}"),
    (r"a{2,1}", [], "aa"),
    (r"{", [], "{"),
    (r"a**", [], "a"),
    (r"a*+", [], "aaa"),
    (r"a++b", [], "aab"),
    (r"a?+a", [], "a"),
    (r"a{1,2}+", [], "aaa"),
    (r"(?>a+)b", [], "aab"),
    (r"(?>a+)a", [], "aaa"),
    # groups and backreferences
    (r"(a)(b)?", [], "a"),
    (r"(\w+) \1", [], "hey hey you"),
    (r"(?P<w>\w+) (?P=w)", [], "go go"),
    (r"(?P<y>\d{4})-(?P<m>\d\d)", [], "on 2024-05"),
    (r"(?<n>a)", [], "a"),
    (r"(?P<n>a)\k<n>", [], "aa"),
    (r"\1(h)", [], "h"),
    (r"(a\1)", [], "a"),
    (r"(a)\2", [], "a"),
    (r"(a)|(b)", [], "b"),
    (r"(?P<n>a)(?P<n>b)", [], "ab"),
    (r"(?(1)a|b)", [], "b"),
    (r"(a)?(?(1)b|c)", [], "c"),
    (r"(?#comment)a", [], "a"),
    (r"(", [], "("),
    # lookarounds
    (r"foo(?=bar)", [], "foobar"),
    (r"foo(?!bar)", [], "foobar foobaz"),
    (r"(?<=\$)\d+", [], "cost $42"),
    (r"(?<!\$)\b\d+", [], "$4 and 5"),
    (r"(?<=a+)b", [], "aaab", {"differs": {"procwright": ["b"], "why": "re refuses a lookbehind of variable width, the engine runs it; re.compile fails first, so no re.Pattern carries one"}}),
    (r"(?<=ab|c)d", [], "abd", {"differs": {"procwright": ["d"], "why": "as above: alternatives of different widths in a lookbehind"}}),
    # anchors, dot, flags
    (r"^ready$", [], "ready"),
    (r"a.c", [], "a\u2028c"),
    (r"a.c", ["DOTALL"], "a\u2028c"),
    (r"READY", ["IGNORECASE"], "server ready"),
    (r"ß", ["IGNORECASE"], "SS"),
    (r"\u212a", ["IGNORECASE"], "k"),
    (r"(?i)ready", [], "READY"),
    (r"a(?i:b)c", [], "aBc"),
    (r"a(?i:b)c", [], "aBC"),
    (r"(?s).", [], "\u2028"),
    (r"(?a)\w+", [], "héllo"),
    (r"(?u)\w+", [], "héllo"),
    (r"(?L)a", [], "a"),
    (r"^b", ["MULTILINE"], "a b"),
    (r"a b # comment", ["VERBOSE"], "ab"),
    (r"[a b]+", ["VERBOSE"], "x a b"),
    (r"a\ b", ["VERBOSE"], "a b"),
    (r"a#b", [], "a#b"),
    (r"\w+", ["ASCII"], "héllo"),
    (r"x", ["LOCALE"], "x"),
    # unicode
    (r"é+", [], "ééé"),
    (r"😀", [], "a😀"),
    (r"^.$", [], "😀"),
    (r"[😀]", [], "😀"),
    # misc
    (r"a|b|c", [], "xc"),
    (r"|a", [], "a"),
    (r"", [], "abc"),
    (r"(?:)", [], "x"),
    (r"a(?i)b", [], "aB"),
    (r"(?x) a b", [], "ab"),
]


def python_row(pattern, flags, text):
    f = 0
    for name in flags:
        f |= getattr(re, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = re.compile(pattern, f).search(text)
    except (re.error, ValueError) as e:
        return "INVALID_PATTERN", str(e)
    if m is None:
        return None, None
    return [m.group(0), *m.groups()], None


NODE = r"""
const rows = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const out = rows.map(([p, f, t]) => {
  let r
  try { r = new RegExp(p, f) } catch (e) { return ['INVALID_PATTERN', e.message] }
  const m = r.exec(t)
  return [m === null ? null : Array.from(m, (g) => (g === undefined ? null : g)), null]
})
process.stdout.write(JSON.stringify(out))
"""


def main():
    rows = []
    js = subprocess.run(
        ["node", "-e", NODE], input=json.dumps([r[:3] for r in JS]), capture_output=True, text=True, check=True
    )
    for r, (expect, _) in zip(JS, json.loads(js.stdout)):
        row = {"dialect": "js", "pattern": r[0], "flags": r[1], "input": r[2], "expect": expect}
        if len(r) > 3:
            row.update(r[3])
        rows.append(row)
    for r in PY:
        expect, _ = python_row(*r[:3])
        row = {"dialect": "python", "pattern": r[0], "flags": r[1], "input": r[2], "expect": expect}
        if len(r) > 3:
            row.update(r[3])
        rows.append(row)
    (HERE / "cases.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows ({len(JS)} js, {len(PY)} python)", file=sys.stderr)


if __name__ == "__main__":
    main()
