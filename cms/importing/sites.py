"""The site a folder belongs to: which generator, its settings, where its content lives.

``newsroom import DIR`` accepts a site's root (where ``hugo.toml``,
``_config.yml`` or ``pelicanconf.py`` is) or any folder inside it; the config
is looked for in DIR and up to three folders above. Config files are read as
data, never run: ``pelicanconf.py`` is parsed and only plain assignments of
literals (``SITEURL = "https://…"``, ``ARTICLE_URL = "{date:%Y}/{slug}/"``) are
taken. Without a config each file is read by the conventions its own header
shows (see :func:`guess_generator`), with each generator's defaults.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cms.errors import UsageError
from cms.frontmatter import check_bounds, load_toml_mapping, load_yaml_mapping

MAX_CONFIG_BYTES = 1024 * 1024
LOOK_UP = 3
HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")
HUGO_LEGACY = ("config.toml", "config.yaml", "config.yml", "config.json")
JEKYLL_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")
PELICAN_CONFIG = "pelicanconf.py"
# Never content, whatever the generator: tools' folders and build output.
ALWAYS_SKIPPED = frozenset({"node_modules", "__pycache__", "bower_components"})


@dataclass
class Site:
    """What the importer knows of the site a folder belongs to."""

    generator: str  # hugo, jekyll, pelican, or markdown (no config found)
    root: Path  # the site's folder (the imported folder when no config was found)
    folder: Path  # the folder being imported
    key: str  # the site's identity for provenance: its address, else its folder
    config: dict[str, Any] = field(default_factory=dict)
    config_name: str = ""
    base_url: str = ""  # https://example.org (no trailing slash)
    base_path: str = ""  # Jekyll's baseurl: /blog
    timezone: ZoneInfo | None = None
    default_language: str = "en"
    # Folders holding content, each with its language ("" for the default).
    content_roots: list[tuple[Path, str]] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)  # glob patterns, site-relative
    _lowered: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def setting(self, *names: str, default: Any = None) -> Any:
        """A config value, by its name in any case (Hugo's keys are case-insensitive)."""
        if self._lowered is None or len(self._lowered) != len(self.config):
            self._lowered = {str(k).lower(): v for k, v in self.config.items()}
        lowered = self._lowered
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return default

    def content_root(self, path: Path) -> tuple[Path, str]:
        """The content folder holding ``path`` (the deepest one) and its language."""
        text = str(path)
        best: tuple[Path, str] | None = None
        for folder, language in self.content_roots:
            prefix = str(folder).rstrip(os.sep) + os.sep
            if text.startswith(prefix) and (best is None or len(prefix) > len(str(best[0]))):
                best = (folder, language)
        return best or (self.folder, "")

    def excluded(self, relative: str) -> bool:
        """True when the site's own config excludes this site-relative path."""
        parts = PurePosixPath(relative).parts
        for pattern in self.excludes:
            clean = pattern.strip("/")
            if not clean:
                continue
            if fnmatch(relative, clean) or any(fnmatch(part, clean) for part in parts) or (
                    relative.startswith(clean.rstrip("*") + "/") if "/" in clean else False):
                return True
        return False


def _read(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise UsageError(f"{path.name} is larger than {MAX_CONFIG_BYTES // 1024} KB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path.name} is not UTF-8") from None


def _load(path: Path) -> dict[str, Any]:
    text = _read(path)
    if path.suffix == ".toml":
        return load_toml_mapping(text)
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise UsageError(f"{path.name} is not valid JSON") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path.name} is not a JSON object")
        check_bounds(data)
        return data
    return load_yaml_mapping(text)


def pelican_settings(text: str) -> dict[str, Any]:
    """The literal settings of a ``pelicanconf.py``, without running it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        raise UsageError("pelicanconf.py is not valid Python") from None
    settings: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            try:
                settings[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                continue  # computed at run time: not a setting we can know
    check_bounds(settings)
    return settings


def _zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _base(url: Any) -> tuple[str, str]:
    """``(origin, path)`` of a configured site address (both without a trailing slash)."""
    if not isinstance(url, str) or not url.strip():
        return "", ""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "", ""
    return f"{parts.scheme}://{parts.netloc.lower()}", parts.path.rstrip("/")


def _find_config(folder: Path) -> tuple[str, Path] | None:
    current = folder
    for _ in range(LOOK_UP + 1):
        for name in HUGO_CONFIGS:
            if (current / name).is_file():
                return "hugo", current / name
        for name in ("hugo.toml", "config.toml", "hugo.yaml", "config.yaml"):
            if (current / "config" / "_default" / name).is_file():
                return "hugo", current / "config" / "_default" / name
        for name in JEKYLL_CONFIGS:
            if (current / name).is_file():
                return "jekyll", current / name
        if (current / PELICAN_CONFIG).is_file():
            return "pelican", current / PELICAN_CONFIG
        for name in HUGO_LEGACY:
            # config.toml alone says little: a Hugo site also has its content/ or layouts/.
            if (current / name).is_file() and any(
                    (current / sub).is_dir() for sub in ("content", "archetypes", "layouts")):
                return "hugo", current / name
        if current.parent == current:
            break
        current = current.parent
    return None


def detect_site(folder: Path) -> Site:
    """The site ``folder`` belongs to (see the module docstring)."""
    folder = folder.resolve()
    found = _find_config(folder)
    if found is None:
        # A Jekyll posts folder on its own: its files are still posts (and drafts).
        root = folder.parent if folder.name in ("_posts", "_drafts") else folder
        return Site("markdown", root, folder, str(root), content_roots=[(root, "")])
    generator, config_path = found
    root = config_path.parent
    if root.name == "_default" and root.parent.name == "config":
        root = root.parent.parent
    try:
        config = pelican_settings(_read(config_path)) if generator == "pelican" else _load(
            config_path)
    except UsageError as exc:
        raise UsageError(f"the site's {config_path.name} cannot be read: {exc}") from None
    site = Site(generator, root, folder, "", config, config_path.name)
    if generator == "hugo":
        _hugo(site)
    elif generator == "jekyll":
        _jekyll(site)
    else:
        _pelican(site)
    site.key = site.base_url + site.base_path if site.base_url else str(root)
    return site


def _hugo(site: Site) -> None:
    site.base_url, site.base_path = _base(site.setting("baseURL"))
    site.timezone = _zone(site.setting("timeZone"))
    site.default_language = str(site.setting("defaultContentLanguage", default="en") or "en")
    roots: list[tuple[Path, str]] = []
    languages = site.setting("languages", default={})
    if isinstance(languages, Mapping):
        for code, spec in languages.items():
            if isinstance(spec, Mapping):
                lowered = {str(k).lower(): v for k, v in spec.items()}
                if isinstance(lowered.get("contentdir"), str):
                    roots.append((site.root / lowered["contentdir"], str(code)))
    module = site.setting("module", default={})
    mounts = module.get("mounts", []) if isinstance(module, Mapping) else []
    for mount in mounts if isinstance(mounts, list) else []:
        if isinstance(mount, Mapping) and str(mount.get("target", "")).startswith("content") \
                and isinstance(mount.get("source"), str):
            roots.append((site.root / mount["source"], str(mount.get("lang", ""))))
    content_dir = site.setting("contentDir", default="content")
    if not roots:
        roots.append((site.root / str(content_dir), ""))
    site.content_roots = [(folder.resolve(), lang) for folder, lang in roots]
    ignore = site.setting("ignoreFiles", default=[])
    # Hugo's ignoreFiles are regular expressions; kept as a glob of their plain text.
    site.excludes = [re.sub(r"[\\^$]", "", str(p)) for p in ignore] if isinstance(
        ignore, list) else []


def _jekyll(site: Site) -> None:
    site.base_url, _path = _base(site.setting("url"))
    base = site.setting("baseurl", default="")
    site.base_path = ("/" + str(base).strip("/")) if isinstance(base, str) and base.strip(
        "/") else ""
    site.timezone = _zone(site.setting("timezone"))
    site.default_language = str(site.setting("lang", default="en") or "en")
    site.content_roots = [(site.root, "")]
    exclude = site.setting("exclude", default=[])
    site.excludes = [str(p) for p in exclude] if isinstance(exclude, list) else []
    site.excludes += ["Gemfile", "Gemfile.lock", "vendor"]


def _pelican(site: Site) -> None:
    site.base_url, site.base_path = _base(site.setting("SITEURL"))
    site.timezone = _zone(site.setting("TIMEZONE"))
    site.default_language = str(site.setting("DEFAULT_LANG", default="en") or "en")
    path = site.setting("PATH", default="content")
    content = (site.root / str(path)).resolve() if isinstance(path, str) else site.root
    site.content_roots = [(content if content.is_dir() else site.root, "")]
    excludes: list[str] = []
    for name in ("IGNORE_FILES", "ARTICLE_EXCLUDES", "PAGE_EXCLUDES", "STATIC_PATHS"):
        value = site.setting(name, default=[])
        if isinstance(value, list | tuple):
            excludes += [str(v) for v in value]
    site.excludes = excludes


def guess_generator(style: str, relative: str) -> str:
    """The generator whose conventions a file follows, when no site config says: Jekyll's
    dated ``_posts`` names, Hugo's TOML or JSON headers, Pelican's ``Key: value`` lines."""
    parts = PurePosixPath(relative).parts
    if "_posts" in parts or "_drafts" in parts or re.match(
            r"\d{4}-\d{2}-\d{2}-", PurePosixPath(relative).name):
        return "jekyll"
    if style in ("toml", "json", "yaml"):
        return "hugo"
    return "pelican"


def site_variables(site: Site) -> dict[str, Any]:
    """The values templates may read as ``site.NAME`` (Jekyll) or site params (Hugo)."""
    if site.generator == "hugo":
        params = site.setting("params", default={})
        values = dict(params) if isinstance(params, Mapping) else {}
        values.setdefault("title", site.setting("title", default=""))
        values["baseurl"] = (site.base_url + site.base_path) or ""
        return values
    values = dict(site.config)
    values["url"] = site.base_url
    values["baseurl"] = site.base_path
    return values
