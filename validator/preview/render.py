"""Rendering a bill preview (SPEC §4 "Preview JSON") as text, Markdown or HTML through Jinja.

The document becomes a view model of plain data (`view_model.build_view`); a template
only formats it. The built-in templates live in `templates/` (shipped as
`validator/templates`); a user template (`--template FILE`) gets the same view model
in Jinja's sandbox, and can extend or include the built-in ones as `billcheck/<name>`.
Every template runs with StrictUndefined, so a misspelt or missing field is an error,
and HTML output is autoescaped. Any failure surfaces as `TemplateFailure` naming the
template file and line.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from ..resources import templates_dir
from .view_model import PreviewDocumentError, View, build_view, display_width

BUILTIN_PREFIX = "billcheck"
TEMPLATES: Mapping[str, str] = {
    "text": "preview.txt.j2",
    "markdown": "preview.md.j2",
    "html": "preview.html.j2",
}
FORMATS: tuple[str, ...] = tuple(TEMPLATES)

# Template names that are HTML whatever the chosen format (a user's `report.html.j2`).
_HTML_EXTENSIONS = ("html", "htm", "xhtml", "xml", "svg", "html.j2", "htm.j2", "xml.j2", "svg.j2",
                    "html.jinja", "html.jinja2")

# Backslash-escaped anywhere: emphasis, code, links, raw HTML, headings' closing #, table
# cells, strikethrough, entities and GitHub's math.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>#|~&$])")
# Escaped only where they would open a block: list items, ordered lists, thematic breaks.
_MARKDOWN_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])(?=\s|[-=\s]*$)|(\d{1,9})([.)])(?=\s|$))")


class TemplateFailure(Exception):
    """A preview could not be rendered: the message names the template file and line.

    Raised for a template that cannot be read, does not compile, uses an undefined
    variable or something the sandbox forbids, and for a preview document that lacks a
    field the templates need. The CLI reports it and exits 2.
    """


def render(document: Mapping[str, Any], fmt: str, template_path: str | None = None) -> str:
    """The preview `document` rendered as `fmt` (text, markdown or html).

    With `template_path`, that user template renders instead of the built-in one, in the
    sandbox, with the escaping of `fmt` (HTML autoescaping, Markdown escaping of every
    printed value). Raises `TemplateFailure`; `ValueError` for an unknown format.
    """
    if fmt not in TEMPLATES:
        raise ValueError(f"unknown preview format {fmt!r}: choose one of {', '.join(FORMATS)}")
    try:
        view = build_view(document)
    except PreviewDocumentError as error:
        raise TemplateFailure(str(error)) from error
    if template_path is None:
        names = _DisplayNames(None, None)
        return _render(_environment(fmt, None), f"{BUILTIN_PREFIX}/{TEMPLATES[fmt]}", view, names)
    user_file = Path(template_path)
    if not user_file.is_file():
        raise TemplateFailure(f"{template_path}: no such template file")
    names = _DisplayNames(user_file.resolve(), template_path)
    return _render(_environment(fmt, user_file.resolve().parent), user_file.name, view, names)


def _environment(fmt: str, user_dir: Path | None) -> Environment:
    """The Jinja environment of `fmt`; for a user template sandboxed and searching `user_dir`."""
    builtin = PrefixLoader({BUILTIN_PREFIX: FileSystemLoader(templates_dir())})
    loader: BaseLoader = builtin
    environment_class = Environment
    if user_dir is not None:
        loader = ChoiceLoader([FileSystemLoader(user_dir), builtin])
        environment_class = SandboxedEnvironment
    html = fmt == "html"
    environment = environment_class(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=_HTML_EXTENSIONS, disabled_extensions=(),
            default_for_string=html, default=html,
        ),
        finalize=escape_markdown_value if fmt == "markdown" else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters["ljust"] = ljust
    environment.filters["rjust"] = rjust
    return environment


def _render(environment: Environment, name: str, view: View, names: _DisplayNames) -> str:
    try:
        return environment.get_template(name).render(view)
    except TemplateSyntaxError as error:
        where = f"{names.show(error.filename or error.name or name)}:{error.lineno}"
        raise TemplateFailure(f"{where}: syntax error: {error.message}") from error
    except UnicodeDecodeError as error:
        message = f"{names.show(name)}: cannot read a template as UTF-8 text: {error}"
        raise TemplateFailure(message) from error
    except Exception as error:  # a user template can fail any way Python can; never a traceback
        raise TemplateFailure(_runtime_message(error, names, name)) from error


def _runtime_message(error: Exception, names: _DisplayNames, name: str) -> str:
    """`file:line: kind: detail` for an error raised while a template ran."""
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.endswith(".py") and not frame.filename.startswith("<")
    ]
    where = f"{names.show(frames[-1].filename)}:{frames[-1].lineno}" if frames else names.show(name)
    return f"{where}: {_error_kind(error)}: {error}"


def _error_kind(error: Exception) -> str:
    if isinstance(error, SecurityError):
        return "sandbox violation"
    if isinstance(error, UndefinedError):
        return "undefined variable or field"
    if isinstance(error, TemplateNotFound):
        return "template not found"
    if isinstance(error, TemplateError):
        return "template error"
    return f"template error ({type(error).__name__})"


class _DisplayNames:
    """How a template file is named in an error: the user's template as they wrote its path."""

    def __init__(self, user_file: Path | None, given: str | None) -> None:
        self.user_file = user_file
        self.given = given

    def show(self, filename: str) -> str:
        """`filename` (a loader name or a path) as the user should read it."""
        path = Path(filename)
        is_user_file = self.user_file is not None and (
            filename == self.user_file.name or (path.is_absolute() and path == self.user_file)
        )
        if is_user_file and self.given is not None:
            return self.given
        if not path.is_absolute():
            return filename
        try:
            return path.resolve().relative_to(Path.cwd()).as_posix()
        except ValueError:
            return filename


def escape_markdown(text: str) -> str:
    """`text` with every Markdown-significant character backslash-escaped, to render as itself.

    Inline syntax (`|`, backticks, `*`, `_`, `[`, `<`, `#`, `~`, `&`, `$`, backslash) is
    escaped everywhere; list, ordered-list and thematic-break markers only where they
    would start a block.
    """
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_BLOCK_START.sub(_escape_block_marker, escaped)


def _escape_block_marker(match: re.Match[str]) -> str:
    indent, marker, digits, delimiter = match.groups()
    if marker is not None:
        return f"{indent}\\{marker}"
    return f"{indent}{digits}\\{delimiter}"


def escape_markdown_value(value: object) -> object:
    """Jinja `finalize` for Markdown: every printed value is escaped unless marked safe."""
    if isinstance(value, Markup):
        return value
    return escape_markdown(str(value))


def ljust(value: object, width: int) -> str:
    """`value` padded on the right to `width` terminal cells (a wide character counts 2)."""
    text = str(value)
    return text + " " * max(0, width - display_width(text))


def rjust(value: object, width: int) -> str:
    """`value` padded on the left to `width` terminal cells (a wide character counts 2)."""
    text = str(value)
    return " " * max(0, width - display_width(text)) + text
