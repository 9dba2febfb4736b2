"""Build the documentation site; also the mkdocs hook and griffe extension it needs.

Run from the repository, with the ``[docs]`` extra installed::

    .venv/bin/python scripts/build_docs.py [--out DIR]     # mkdocs build --strict → build/site/
    .venv/bin/python scripts/build_docs.py --serve         # mkdocs serve on http://127.0.0.1:8000

``mkdocs build --strict`` from the repository's root does the same: ``mkdocs.yml`` names
this file twice,

- as a **hook** (``hooks:``): before the build it lays out the ``thuisplus`` namespace as
  one folder tree (copies of its modules) in a temporary folder (the namespace's parts keep
  their folders at the repository's root, ``[tool.setuptools] package-dir`` in
  pyproject.toml, which griffe cannot follow) and points mkdocstrings there; it
  fills in ``docs/api/cli.md`` with the help of every command of ``thuisplus``, made from
  the Typer app (``typer.main.get_command``), so the page is never out of date, and
  the tables of the dicts the code documents itself with (``TABLE_MARKER``); it points
  a notebook's links at the site's pages and adds a style sheet (``CSS``);
- as a **griffe extension** (:class:`SphinxRoles`): the docstrings cross-reference with
  Sphinx roles (``:func:`run_pair```, ``:class:`~thuisplus.sim.Pair```); each becomes a
  link to the object's entry in the API reference, or code where it has none.

The example notebook (``docs/examples/*.ipynb``) is run by mkdocs-jupyter during the
build (``execute: true``); the file in the repository keeps no outputs.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import griffe
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
#: The page that the hook fills with the command line's help, and the line it replaces.
CLI_PAGE = "api/cli.md"
CLI_MARKER = "<!-- thuisplus-cli-help -->"
#: The readthedocs theme keeps a table cell on one line and the text 800 px wide; the
#: parameter reference and the API tables have long descriptions.
CSS_FILE = "css/thuisplus.css"
CSS = """\
.wy-nav-content { max-width: 1400px; }
.wy-table-responsive table td, .wy-table-responsive table th { white-space: normal; }
.wy-table-responsive table td code { white-space: nowrap; }
"""
#: A relative link to a page of docs/ in a notebook's HTML.
_MD_LINK = re.compile(r'href="(?P<target>(?![a-z]+:|/|#)[^"#]+\.(?:md|ipynb))(?P<anchor>#[^"]*)?"')
log = logging.getLogger("mkdocs.hooks.build_docs")
#: A line that the hook replaces with a table of a dict the code documents itself with:
#: ``<!-- api-table: MODULE:NAME -->`` (a dict of descriptions) or
#: ``<!-- api-table: MODULE:NAME field,field -->`` (a dict of objects: those attributes).
TABLE_MARKER = re.compile(r"^<!-- api-table: ([\w.]+):(\w+)(?: ([\w,]+))? -->$", re.MULTILINE)

# --- the namespace as one tree, for griffe ------------------------------------------------


def package_dirs(root: Path = ROOT) -> dict[str, Path]:
    """Each package of the namespace and its folder (pyproject.toml's ``package-dir``)."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = data["tool"]["setuptools"]["package-dir"]
    return {name: root / folder for name, folder in mapping.items()}


def mirror_namespace(dest: Path, root: Path = ROOT) -> Path:
    """Lay the namespace's Python files out under ``dest`` as one tree; return ``dest``.

    ``dest/thuisplus`` holds copies of the modules of ``thuisplus/``,
    ``dest/thuisplus/sim`` those of ``sim/`` and so on (copies: griffe resolves symbolic
    links to where they point), so a static reader that knows only folders finds
    ``thuisplus.sim`` where an import finds it.
    """
    for name, folder in package_dirs(root).items():
        target = dest.joinpath(*name.split("."))
        for src in folder.rglob("*.py"):
            rel = src.relative_to(folder)
            if "__pycache__" in rel.parts:
                continue
            copy = target / rel
            # a sub-folder that is a package of its own (thuisplus/dashboard) is copied once
            if not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, copy)
    return dest


_MIRROR: list[Path] = []


def _remove_mirror() -> None:
    while _MIRROR:
        shutil.rmtree(_MIRROR.pop(), ignore_errors=True)


atexit.register(_remove_mirror)  # also after a build that failed


# --- the mkdocs hook -------------------------------------------------------------------------


@event_priority(100)  # before mkdocstrings' own on_config, which may make the handler
def on_config(config: Any) -> Any:
    """Point mkdocstrings' python handler at a mirror of the namespace (see the module)."""
    _remove_mirror()
    tmp = Path(tempfile.mkdtemp(prefix="thuisplus-docs-"))
    _MIRROR.append(tmp)
    mirror_namespace(tmp)
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        handlers = plugin.config.setdefault("handlers", {})
        handlers.setdefault("python", {})["paths"] = [str(tmp)]
    config.extra_css.append(CSS_FILE)
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the site's style sheet (``CSS``), made here rather than kept in docs/."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, CSS_FILE, content=CSS))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill in the command line's page (``CLI_MARKER``) and the tables (``TABLE_MARKER``)."""
    if page.file.src_uri == CLI_PAGE and CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_markdown())
    if page.file.src_uri.startswith("api/"):
        markdown = TABLE_MARKER.sub(lambda m: dict_table(*m.groups()), markdown)
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Point a notebook's links to other pages (``../mesa.md``) at their pages on the site.

    mkdocs rewrites the links of markdown pages, mkdocs-jupyter leaves a notebook's as
    written (right in Jupyter, wrong on the site); a link to no page is a warning.
    """
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    base = posixpath.dirname(page.file.src_uri)

    def fix(match: re.Match) -> str:
        target, anchor = match["target"], match["anchor"] or ""
        path = posixpath.normpath(posixpath.join(base, target))
        file = files.get_file_from_path(path)
        if file is None:
            log.warning("Doc file '%s' contains a link '%s', but the target '%s' is not "
                        "among the documentation files.", page.file.src_uri, target, path)
            return match[0]
        return f'href="{file.url_relative_to(page.file)}{anchor}"'

    return _MD_LINK.sub(fix, html)


def _cell(value: Any) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


def dict_table(module: str, name: str, fields: str | None = None) -> str:
    """A markdown table of the dict ``module.name``: key, then its value or ``fields``."""
    import importlib

    table = getattr(importlib.import_module(module), name)
    columns = fields.split(",") if fields else ["description"]
    out = f"| name | {' | '.join(columns)} |\n|---|{'---|' * len(columns)}\n"
    for key, value in table.items():
        cells = [value] if fields is None else [getattr(value, f) for f in columns]
        out += f"| `{key}` | {' | '.join(_cell(c) for c in cells)} |\n"
    return out


def on_post_build(config: Any) -> None:
    """Remove the mirror of the namespace."""
    _remove_mirror()


# --- the command line's help as markdown ---------------------------------------------------


def _help_block(text: str) -> str:
    """A command's help text as markdown paragraphs (click's no-rewrap marks dropped)."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p.removeprefix("\b").strip() for p in paras if p) + "\n\n"


def _params_markdown(command: Any, ctx: Any) -> str:
    """Arguments and options of a click command as two lists (``get_help_record``)."""
    out = ""
    for kind, title in (("argument", "Arguments"), ("option", "Options")):
        records = [p.get_help_record(ctx) for p in command.get_params(ctx)
                   if p.param_type_name == kind]
        records = [r for r in records if r is not None]
        if records:
            out += f"**{title}**:\n\n"
            out += "".join(f"- `{names}`" + (f": {text}" if text else "") + "\n"
                           for names, text in records)
            out += "\n"
    return out


def _usage(command: Any, ctx: Any, name: str) -> str:
    return f"```console\n$ {name} {' '.join(command.collect_usage_pieces(ctx))}\n```\n\n"


def cli_markdown() -> str:
    """``thuisplus --help`` and every command's help, as markdown (headings from ``##``).

    One section per command, headed ``thuisplus COMMAND`` with the anchor ``#COMMAND``;
    made from the Typer app itself (``typer.main.get_command``).
    """
    import click
    import typer.main

    from thuisplus.cli import app

    group = typer.main.get_command(app)
    ctx = click.Context(group, info_name="thuisplus")
    out = "## `thuisplus`\n\n" + _help_block(group.help or "")
    out += _usage(group, ctx, "thuisplus") + _params_markdown(group, ctx)
    if group.epilog:
        out += _help_block(group.epilog)
    names = group.list_commands(ctx)
    out += "**Commands**:\n\n| command | what it does |\n|---|---|\n"
    for name in names:
        short = group.get_command(ctx, name).get_short_help_str(limit=200)
        out += f"| [`{name}`](#{name}) | {short} |\n"
    out += "\n"
    for name in names:
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        out += f"## `thuisplus {name}` {{ #{name} }}\n\n" + _help_block(command.help or "")
        out += _usage(command, sub, f"thuisplus {name}") + _params_markdown(command, sub)
        if command.epilog:
            out += _help_block(command.epilog)
    return out


# --- the griffe extension --------------------------------------------------------------------

#: Google style's ``Example:`` is an admonition of markdown, ``Examples:`` a section whose
#: ``>>>`` lines are shown as code; the docstrings' ``Example:`` sections are doctests.
_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)
#: A wrapped line that starts with ``>`` (``>= 3``), which markdown would take for a quote;
#: doctest prompts (``>>>``) are left alone.
_QUOTE = re.compile(r"^(\s*)>(?!>>)", re.MULTILINE)
#: reStructuredText's ``From Python::`` before an indented block (code in markdown too).
_LITERAL = re.compile(r"(\S)::[ \t]*\n(?=[ \t]*\n)")
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|obj|exc|const):`(~?)([^`<>]+)`")


class SphinxRoles(griffe.Extension):
    """Turn the docstrings' Sphinx roles into cross-references (or code) for mkdocstrings.

    It also reads an attribute's ``#:`` comment (the lines right above it, Sphinx's
    autodoc convention, which the code uses for constants) as its docstring, shows an
    ``Example:`` section of doctests as code (as Google style's ``Examples:``), drops the
    second colon of reStructuredText's ``::`` before a code block, and escapes a wrapped
    line that starts with ``>`` (``>= 3``), which markdown would quote.

    ``:func:`name``` is resolved from the documented object's scope (its members, its
    module's names, then the full dotted path); ``~`` shows the last part only. A
    resolved name becomes an *optional* autorefs reference: a link when the object is
    in the API reference, its name as code otherwise (no warning either way).
    """

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the docstrings of every object of the package (see the class)."""
        for obj in _walk(pkg):
            if obj.docstring is None and obj.is_attribute:
                _comment_docstring(obj)
            if obj.docstring is not None:
                text = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
                text = _QUOTE.sub(r"\1\\>", text)
                text = _LITERAL.sub(r"\1:\n", text)
                obj.docstring.value = _ROLE.sub(lambda m, o=obj: _reference(o, m), text)


def _walk(obj: griffe.Object) -> Any:
    """The object and its members, recursively (aliases, i.e. imported names, left out)."""
    yield obj
    for member in list(obj.members.values()):
        if not member.is_alias:
            yield from _walk(member)


def _comment_docstring(obj: griffe.Object) -> None:
    """Give an attribute without a docstring the ``#:`` comment lines right above it."""
    if obj.filepath is None or obj.lineno is None:
        return
    try:
        lines = obj.lines_collection[obj.filepath]
    except KeyError:
        return
    i, comment = obj.lineno - 2, []
    while i >= 0 and lines[i].strip().startswith("#:"):
        comment.insert(0, lines[i].strip().removeprefix("#:").strip())
        i -= 1
    if comment:
        obj.docstring = griffe.Docstring("\n".join(comment), lineno=i + 2, parent=obj)


def _reference(obj: griffe.Object, match: re.Match) -> str:
    tilde, name = match.groups()
    name = name.strip().removesuffix("()")
    shown = name.rsplit(".", 1)[-1] if tilde else name
    path = None
    if name.startswith("thuisplus."):
        path = name
    else:
        try:
            path = obj.resolve(name.split(".", 1)[0])
            if "." in name:
                path += "." + name.split(".", 1)[1]
        except griffe.NameResolutionError:
            path = None
    code = f"<code>{shown}</code>"
    if path is None:
        return code
    return f'<autoref identifier="{path}" optional>{code}</autoref>'


# --- the command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Build (or serve) the site with mkdocs, strictly."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for the built site (default: build/site/, mkdocs.yml)")
    ap.add_argument("--serve", action="store_true",
                    help="serve the site on http://127.0.0.1:8000 and rebuild on changes")
    args = ap.parse_args(argv)
    cmd = [sys.executable, "-m", "mkdocs"]
    if args.serve:
        cmd += ["serve", "--strict"]
    else:
        cmd += ["build", "--strict"]
        if args.out is not None:
            cmd += ["--site-dir", str(args.out.resolve())]
    return subprocess.call([*cmd, "--config-file", str(ROOT / "mkdocs.yml")], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
