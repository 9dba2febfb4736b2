"""The Python examples of the README and docs/mesa.md run as written (issue 15).

A block whose first line is ``# a job of minutes`` is left out (it is a real job); the
others run in order in one namespace per document, in an empty working folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LONG = "# a job of minutes"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", ["README.md", "docs/mesa.md"])
def test_the_python_examples_run(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = [b for b in python_blocks(REPO / doc) if not b.startswith(LONG)]
    assert blocks, f"{doc} has no Python example"
    namespace: dict = {}
    for block in blocks:  # in order: a later block may use an earlier one's names
        exec(compile(block, f"{doc} example", "exec"), namespace)
