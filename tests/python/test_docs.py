"""Every code block of README.md and docs/ is run or checked, so the docs cannot drift.

- ```python: run here, each in a fresh interpreter (this venv's python), exit 0.
- ```js / ```mjs: run by tests/node/docs.test.mjs.
- ```rust: doctests (`cargo test -p procwright --doc`); checked here that the file is
  included by core/src/lib.rs.
- ```toml: a service file (first line `# <name>.toml`): written to a scratch folder and
  checked with `procwright check -f`; the shell blocks of the same page then run there.
- ```sh: run here with bash (the serve guide's against a real `procwright serve` on a
  free port), unless listed in ALLOWED with the reason.
- ```json: parsed (the MCP client configuration).
- ```pyi / ```ts: only in the generated references, compared with a fresh generation.
A block of any other kind fails the test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import List, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BIN = Path(sys.executable).parent

# Shell blocks that are not run, keyed by page and first line, with the reason.
ALLOWED = {
    ("README.md", "pip install procwright       # Python 3.9+; also installs the `procwright` command"):
        "installs from the package registries",
    ("README.md", "bash scripts/demo.sh"): "the set-up commands: scripts/test.sh is this test suite itself",
    ("docs/benchmarks.md", "bash benches/run.sh              # every row, about 7 minutes"):
        "takes minutes and installs the benchmark peers",
    ("docs/reference/rust.md", "cargo doc -p procwright --no-deps --open"): "opens a browser",
    ("docs/packaging.md", "bash scripts/package.sh     # then: bash scripts/smoke.sh"):
        "builds every release artifact (minutes): .ci/run runs both scripts after the tests",
}
# Blocks run by an older test of their own.
RUN_ELSEWHERE = {
    ("README.md", "python", 0): "tests/python/test_readme.py runs the quick start and checks its output",
}
GENERATED = {"docs/reference/python.md": "pyi", "docs/reference/node.md": "ts"}


class Block(NamedTuple):
    page: str
    lang: str
    code: str
    line: int
    index: int  # among the page's blocks of this language

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks() -> List[Block]:
    out = []
    for path in DOCS:
        page = str(path.relative_to(ROOT))
        counts: dict = {}
        text = path.read_text()
        for m in re.finditer(r"^```([^\n]*)\n(.*?)^```$", text, re.S | re.M):
            lang = m.group(1).strip()
            line = text.count("\n", 0, m.start()) + 1
            i = counts.get(lang, 0)
            counts[lang] = i + 1
            out.append(Block(page, lang, m.group(2), line, i))
    return out


ALL = blocks()


def of(lang: str) -> List[Block]:
    return [b for b in ALL if b.lang == lang]


def test_every_block_is_run_or_listed():
    known = {"python", "js", "mjs", "rust", "toml", "sh", "json"}
    for b in ALL:
        if b.lang in ("pyi", "ts"):
            assert GENERATED.get(b.page) == b.lang, f"{b.id}: ```{b.lang} only in generated references"
        else:
            assert b.lang in known, f"{b.id}: a ```{b.lang or '(no language)'} block is neither run nor listed"


def test_no_reference_outside_the_repo():
    for path in DOCS:
        text = path.read_text()
        assert "../shared" not in text and "API.md" not in text, path


@pytest.mark.parametrize("which", ["python", "node"])
def test_reference_matches_the_code(which):
    if which == "node" and not (ROOT / "bindings-node" / "lib" / "index.d.ts").exists():
        pytest.skip("bindings-node/lib is not built here; tests/node/docs.test.mjs checks node.md")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_docs
    finally:
        sys.path.pop(0)
    fresh = gen_docs.generate(which)
    committed = gen_docs.OUT[which].read_text()
    assert committed == fresh, f"run `python3 scripts/gen_docs.py`: {gen_docs.OUT[which]} is stale"


def test_rust_blocks_are_doctests():
    lib = (ROOT / "core" / "src" / "lib.rs").read_text()
    for page in sorted({b.page for b in of("rust")}):
        rel = "../../" + page
        assert f'include_str!("{rel}")' in lib, f"{page} has Rust blocks: include it in core/src/lib.rs"
    for b in of("rust"):
        assert "no_run" not in b.lang, b.id


def test_json_blocks_parse():
    for b in of("json"):
        config = json.loads(b.code)
        assert config["mcpServers"]["procwright"] == {"command": "procwright", "args": ["mcp"]}, b.id


@pytest.mark.timeout(120)
@pytest.mark.parametrize("block", of("python"), ids=lambda b: b.id)
def test_python_block(block, tmp_path):
    why = RUN_ELSEWHERE.get((block.page, "python", block.index))
    if why:
        pytest.skip(why)
    script = tmp_path / "block.py"
    script.write_text(block.code)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, f"{block.id}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_shell(page: str, script: str, cwd: Path) -> subprocess.CompletedProcess:
    if not (BIN / "procwright").exists() and shutil.which("procwright") is None:
        pytest.skip("no procwright command next to this python (run maturin develop)")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, f"{page}\nscript:\n{script}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


SHELL_PAGES = sorted({b.page for b in of("sh") if (b.page, b.code.splitlines()[0]) not in ALLOWED})


@pytest.mark.timeout(180)
@pytest.mark.parametrize("page", SHELL_PAGES)
def test_shell_blocks_of_page(page, tmp_path):
    """The page's service files are written, checked, and its shell blocks run in order."""
    for b in ALL:
        if b.page != page or b.lang != "toml":
            continue
        name = re.match(r"# (\S+\.toml)\n", b.code)
        assert name, f"{b.id}: a toml block starts with `# <file>.toml`"
        (tmp_path / name.group(1)).write_text(b.code)
        run_shell(b.id, f"procwright check -f {name.group(1)}", tmp_path)
    script = "\n".join(
        b.code for b in ALL
        if b.page == page and b.lang == "sh" and (b.page, b.code.splitlines()[0]) not in ALLOWED
    )
    # Fixed example ports become free ones, so runs never collide.
    for port in sorted(set(re.findall(r"127\.0\.0\.1:(70\d\d)", script))):
        script = script.replace(f"127.0.0.1:{port}", f"127.0.0.1:{free_port()}")
    done = run_shell(page, script, tmp_path)
    if page.endswith("procwright-serve.md"):
        out = done.stdout
        assert '"process_id"' in out and "204" in out and '"state":"killed"' in out, out
        assert "401" in out, out
        # The security model: foreign Host, foreign Origin, a simple body, a preflight.
        assert "403\n403\n415\n204\n" in out, out


def test_toml_blocks_have_a_page_with_shell_blocks():
    for b in of("toml"):
        assert b.page in SHELL_PAGES, f"{b.id}: its page has no shell block that uses it"
