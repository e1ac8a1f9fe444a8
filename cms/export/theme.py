"""Templates and static files: the built-in theme, overridable file by file by a desk's folder.

A theme folder may hold ``templates/`` (Jinja2 templates named like the
built-in ones: ``base.html``, ``front.html``, ``list.html``, ``story.html``,
``_macros.html``) and ``static/`` (files copied to the bundle's ``static/``,
replacing built-in files of the same name). Anything it does not hold comes
from ``resources/templates/site`` and ``resources/static/site``.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from importlib.resources import as_file
from pathlib import Path

import jinja2

from cms import __version__
from cms.errors import UsageError
from cms.export.paths import bundle_path
from cms.resources import resource

TEMPLATE_NAMES = ("base.html", "_macros.html", "front.html", "list.html", "story.html")
MAX_STATIC_BYTES = 20 * 1024 * 1024


def _files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.parts[-1:]):
            found[path.relative_to(folder).as_posix()] = path
    return found


def _bytecode_cache(cache_dir: Path | None) -> jinja2.BytecodeCache | None:
    if cache_dir is None:
        return None
    folder = cache_dir / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # only slower without it
    return jinja2.FileSystemBytecodeCache(str(folder))


class Theme:
    """The loaded templates and static files, with a fingerprint of all of them."""

    def __init__(self, theme_dir: Path | None = None, cache_dir: Path | None = None) -> None:
        """Load the built-in theme, overridden by ``theme_dir``; compiled templates are
        kept in ``cache_dir`` (Jinja2's bytecode cache) when given."""
        self._stack = ExitStack()
        builtin_templates = self._stack.enter_context(as_file(resource("templates", "site")))
        builtin_static = self._stack.enter_context(as_file(resource("static", "site")))
        search = [Path(builtin_templates)]
        static = _files(Path(builtin_static))
        if theme_dir is not None:
            if not theme_dir.is_dir():
                raise UsageError(f"theme folder {theme_dir} does not exist")
            own_templates = theme_dir / "templates"
            search.insert(0, own_templates if own_templates.is_dir() else theme_dir)
            static.update(_files(theme_dir / "static"))
        self.template_dirs = search
        self.static: dict[str, bytes] = {}
        for name, path in sorted(static.items()):
            if path.stat().st_size > MAX_STATIC_BYTES:
                raise UsageError(f"theme file {name} is larger than 20 MB")
            try:
                target = bundle_path("static", name.lower())
            except UsageError:
                raise UsageError(
                    f"theme file name {name!r} is not allowed: use lower-case letters, digits, "
                    "dots, dashes and underscores"
                ) from None
            self.static[target] = path.read_bytes()
        if "static/site.css" not in self.static:
            raise UsageError("the theme has no static/site.css")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in search]),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=False,
            auto_reload=False,
            keep_trailing_newline=True,
            bytecode_cache=_bytecode_cache(cache_dir),
        )
        # Support can tell from any page which Newsroom wrote it.
        self.env.globals["generator"] = f"Newsroom {__version__}"
        digest = hashlib.sha256()
        for name in TEMPLATE_NAMES:
            try:
                source, _filename, _uptodate = self.env.loader.get_source(  # type: ignore[union-attr]
                    self.env, name
                )
            except jinja2.TemplateNotFound:
                raise UsageError(f"the theme has no template {name}") from None
            digest.update(f"{name}\0{source}\0".encode())
        for name, data in self.static.items():
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        self.fingerprint = digest.hexdigest()
        css = self.static["static/site.css"]
        self.css_version = hashlib.sha256(css).hexdigest()[:12]

    def template(self, name: str) -> jinja2.Template:
        """A compiled template (clear message for a broken theme template)."""
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise UsageError(f"theme template {name}, line {exc.lineno}: {exc.message}") from None

    def close(self) -> None:
        """Release temporary copies of packaged resources (zip installs)."""
        self._stack.close()
