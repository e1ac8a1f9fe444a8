"""Template code in imported bodies: converted where its meaning is clear, flagged otherwise.

Jekyll runs Liquid over every page (except inside ``{% raw %}``) and Hugo runs
shortcodes anywhere in the content (``{{</* x */>}}`` writes a shortcode out
literally), so both are converted wherever they stand:

- Liquid: ``{% raw %}``, ``{% highlight LANG %}`` (a fenced code block),
  ``{% link PATH %}`` and ``{% post_url NAME %}`` (a link to the imported story),
  ``{% comment %}`` (dropped), and output such as ``{{ site.url }}`` or
  ``{{ "/docs/" | relative_url }}`` from the site's config and the page's own
  front matter, with the common URL and text filters.
- Hugo: ``highlight``, ``ref``/``relref``, ``figure``, ``youtube``/``vimeo`` (links:
  a bundle embeds no players), ``param`` and ``comment``.

Anything else is reported (``unknown shortcode code-toggle``) and left for readers
as its plain words, without the delimiters. Links to other files of the site come
out as :func:`link_marker` s, made into story links once every file has its slug.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

LINK_START = "\ue000"
LINK_END = "\ue001"
_MARKER = re.compile(LINK_START + r"([^" + LINK_END + r"]*)" + LINK_END)
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.DOTALL)
_HIGHLIGHT = re.compile(
    r"\{%-?\s*highlight\s+([\w+#.-]+)[^%]*?-?%\}\n?(.*?)\n?\{%-?\s*endhighlight\s*-?%\}",
    re.DOTALL)
_TAG = re.compile(r"\{%-?\s*(.*?)\s*-?%\}", re.DOTALL)
_OUTPUT = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_SHORTCODE = re.compile(r"\{\{([<%])(/\*)?\s*(/?)\s*([\w./-]+)(.*?)\s*(\*/)?(/?)\s*([>%])\}\}",
                        re.DOTALL)
_PROTECT_START = "\ue002"
_PROTECT_END = "\ue003"
_PROTECTED = re.compile(_PROTECT_START + r"(\d+)" + _PROTECT_END)
_FILTER_ARG = re.compile(r"""^\s*(\w+)\s*(?::\s*(.*))?$""", re.DOTALL)


def link_marker(path: str, anchor: str = "") -> str:
    """A placeholder for a link to the site's file ``path`` (see :func:`resolve_links`)."""
    return f"{LINK_START}{path}{'#' + anchor if anchor else ''}{LINK_END}"


def resolve_links(body: str, url_of: Callable[[str], str]) -> str:
    """``body`` with every link placeholder replaced by ``url_of(path#anchor)``."""
    if LINK_START not in body:
        return body
    return _MARKER.sub(lambda m: url_of(m.group(1)), body)


@dataclass
class Conversion:
    """What converting one body did: the notes for the editor and the count of tags."""

    notes: list[str] = field(default_factory=list)
    converted: int = 0
    flagged: int = 0

    def flag(self, message: str) -> None:
        """Record something a person has to look at."""
        self.flagged += 1
        if message not in self.notes:
            self.notes.append(message)


class _Protected:
    """Text kept out of later passes (raw blocks, code already converted)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def keep(self, text: str) -> str:
        self.items.append(text)
        return f"{_PROTECT_START}{len(self.items) - 1}{_PROTECT_END}"

    def restore(self, text: str) -> str:
        while _PROTECT_START in text:
            text = _PROTECTED.sub(lambda m: self.items[int(m.group(1))], text)
        return text


def _words(text: str) -> str:
    """A tag's inner text as plain words for readers (no delimiters, one line)."""
    return " ".join(text.replace("*", "").split())


def _fence(language: str, code: str) -> str:
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"\n{ticks}{language}\n{code.strip(chr(10))}\n{ticks}\n"


# Liquid ------------------------------------------------------------------------------


def _lookup(path: str, scopes: Mapping[str, Any]) -> tuple[bool, Any]:
    current: Any = scopes
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, Mapping) and part.lower() in current:
            current = current[part.lower()]
        else:
            return False, None
    return True, current


def _value(expression: str, scopes: Mapping[str, Any]) -> tuple[bool, Any]:
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == expression[-1] and expression[0] in "\"'":
        return True, expression[1:-1]
    if re.fullmatch(r"-?\d+(?:\.\d+)?", expression):
        return True, expression
    if re.fullmatch(r"[A-Za-z_][\w-]*(?:\.[\w-]+)*", expression):
        return _lookup(expression, scopes)
    return False, None


def _liquid_output(expression: str, scopes: Mapping[str, Any], base_url: str,
                   base_path: str) -> str | None:
    """The value of ``{{ expression }}``, or None when its meaning is not clear."""
    parts = expression.split("|")
    known, value = _value(parts[0], scopes)
    if not known or isinstance(value, Mapping | list):
        return None
    text = "" if value is None else str(value)
    for raw in parts[1:]:
        match = _FILTER_ARG.match(raw)
        if match is None:
            return None
        name, argument = match.group(1), match.group(2)
        arg_text = ""
        if argument is not None:
            found, arg = _value(argument, scopes)
            if not found:
                return None
            arg_text = "" if arg is None else str(arg)
        if name == "relative_url":
            text = base_path + "/" + text.lstrip("/") if text.startswith("/") else (
                f"{base_path}/{text}" if base_path else text)
        elif name == "absolute_url":
            text = base_url + base_path + "/" + text.lstrip("/")
        elif name == "prepend":
            text = arg_text + text
        elif name == "append":
            text = text + arg_text
        elif name in ("downcase", "upcase", "strip", "escape", "xml_escape", "capitalize"):
            text = {"downcase": text.lower(), "upcase": text.upper(), "strip": text.strip(),
                    "capitalize": text.capitalize()}.get(name, text)
        elif name == "default":
            text = text or arg_text
        else:
            return None
    return text


def convert_liquid(body: str, *, site: Mapping[str, Any], page: Mapping[str, Any],
                   base_url: str, base_path: str, link_path: Callable[[str, str], str],
                   result: Conversion) -> str:
    """Jekyll's Liquid in ``body`` converted or flagged (see the module docstring).

    ``link_path(kind, argument)`` names the site file a ``{% link %}`` (kind ``link``)
    or ``{% post_url %}`` (kind ``post_url``) refers to.
    """
    if "{%" not in body and "{{" not in body:
        return body
    kept = _Protected()

    def raw(match: re.Match[str]) -> str:
        result.converted += 1
        return kept.keep(match.group(1))

    def highlight(match: re.Match[str]) -> str:
        result.converted += 1
        return kept.keep(_fence(match.group(1), kept.restore(match.group(2))))

    def comment(_match: re.Match[str]) -> str:
        result.converted += 1
        return ""

    body = _RAW.sub(raw, body)
    body = _COMMENT.sub(comment, body)
    body = _HIGHLIGHT.sub(highlight, body)

    def tag(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        name, _, argument = inner.partition(" ")
        argument = argument.strip().strip("\"'")
        if name in ("link", "post_url") and argument:
            result.converted += 1
            return link_marker(link_path(name, argument))
        result.flag(f"unknown Liquid tag {name}")
        return _words(inner)

    def output(match: re.Match[str]) -> str:
        value = _liquid_output(match.group(1), {"site": site, "page": page}, base_url,
                               base_path)
        if value is None:
            result.flag(f"unknown Liquid value {_words(match.group(1))[:60]}")
            return _words(match.group(1))
        result.converted += 1
        return value

    body = _TAG.sub(tag, body)
    body = _OUTPUT.sub(output, body)
    return kept.restore(body)


# Hugo shortcodes ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Shortcode:
    name: str
    positional: list[str]
    named: dict[str, str]


def _arguments(text: str) -> _Shortcode | None:
    try:
        tokens = shlex.split(text.replace("`", '"'), posix=True)
    except ValueError:
        return None
    if not tokens:
        return None
    positional: list[str] = []
    named: dict[str, str] = {}
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][\w-]*", key):
            named[key] = value
        else:
            positional.append(token)
    return _Shortcode(tokens[0], positional, named)


def _figure(code: _Shortcode) -> str:
    src = code.named.get("src", "")
    alt = code.named.get("alt") or code.named.get("title") or code.named.get("caption", "")
    title = code.named.get("title", "")
    image = f"![{alt}]({src}" + (f' "{title}"' if title else "") + ")"
    link = code.named.get("link")
    if link:
        image = f"[{image}]({link})"
    caption = code.named.get("caption", "")
    return f"\n{image}\n" + (f"\n*{caption}*\n" if caption else "")


def _video(code: _Shortcode) -> str | None:
    ident = code.named.get("id") or (code.positional[0] if code.positional else "")
    if not re.fullmatch(r"[\w-]{1,64}", ident):
        return None
    title = code.named.get("title") or ("YouTube video" if code.name == "youtube"
                                        else "Vimeo video")
    url = (f"https://www.youtube.com/watch?v={ident}" if code.name == "youtube"
           else f"https://vimeo.com/{ident}")
    return f"[{title}]({url})"


def convert_shortcodes(body: str, *, params: Mapping[str, Any], site_params: Mapping[str, Any],
                       ref_path: Callable[[str], str], result: Conversion) -> str:
    """Hugo shortcodes in ``body`` converted or flagged (see the module docstring).

    ``ref_path(argument)`` names the site file a ``ref``/``relref`` refers to.
    """
    if "{{<" not in body and "{{%" not in body:
        return body
    kept = _Protected()
    matches = list(_SHORTCODE.finditer(body))
    out: list[str] = []
    position = 0
    skip_until: str | None = None  # inside a comment or highlight: the closing name
    block_start = 0
    block_args: _Shortcode | None = None
    for match in matches:
        escaped = match.group(2) is not None
        closing = bool(match.group(3))
        name = match.group(4)
        if skip_until is not None:
            if closing and name == skip_until:
                inner = body[block_start:match.start()]
                if block_args is not None and skip_until == "highlight":
                    language = block_args.positional[0] if block_args.positional else ""
                    out.append(kept.keep(_fence(language, inner)))
                skip_until = block_args = None
                result.converted += 1
                position = match.end()
            continue
        out.append(body[position:match.start()])
        position = match.end()
        if escaped:  # {{</* x */>}}: the shortcode written out for readers
            result.converted += 1
            written = ("{{" + match.group(1) + " " + ("/" if closing else "") + name
                       + match.group(5).rstrip() + " " + match.group(7) + match.group(8) + "}}")
            out.append(kept.keep(written))
            continue
        if closing:
            continue  # the end of a shortcode whose start was converted or flagged
        code = _arguments(name + " " + match.group(5))
        if code is None:
            result.flag(f"unreadable shortcode {name}")
            out.append(_words(name + " " + match.group(5)))
            continue
        converted = _builtin(code, params, site_params, ref_path)
        if code.name in ("highlight", "comment") and not match.group(7):
            skip_until, block_args, block_start = code.name, code, match.end()
            continue
        if converted is None:
            result.flag(f"unknown shortcode {code.name}")
            out.append(_words(name + " " + match.group(5)))
            continue
        result.converted += 1
        out.append(converted)
    out.append(body[position:])
    return kept.restore("".join(out))


def _builtin(code: _Shortcode, params: Mapping[str, Any], site_params: Mapping[str, Any],
             ref_path: Callable[[str], str]) -> str | None:
    """The Markdown a built-in Hugo shortcode stands for (None: not one we know)."""
    name = code.name
    if name in ("ref", "relref"):
        target = code.named.get("path") or (code.positional[0] if code.positional else "")
        if not target:
            return None
        path, _, anchor = target.partition("#")
        return link_marker(ref_path(path), anchor) if path else f"#{anchor}"
    if name == "figure":
        return _figure(code)
    if name in ("youtube", "vimeo"):
        return _video(code)
    if name == "param":
        key = code.named.get("name") or (code.positional[0] if code.positional else "")
        for scope in (params, site_params):
            found, value = _lookup(key, scope) if key else (False, None)
            if found and not isinstance(value, Mapping | list):
                return "" if value is None else str(value)
        return None
    if name in ("highlight", "comment"):
        return ""
    return None
