"""HTML pages from the site model: the front page, listings and story pages.

Templates receive plain values only (strings, dicts, small dataclasses); every
link is made relative to the page that contains it, so the bundle works from
any folder, any sub-path of a web server, and straight from disk. In a
single-story bundle, links to pages that are not in the bundle become absolute
URLs on the desk's site.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from cms import figures
from cms.export.images import Rendition, default_rendition, srcset
from cms.export.metadata import json_ld, script_json, social_tags
from cms.export.paths import root_prefix
from cms.export.selection import Photo, PublicStory
from cms.export.site import ListPage, Site, iso_local
from cms.export.theme import Theme
from cms.render import render_markdown
from cms.storypage import local_time, normalise_headings, with_dateline

MEDIA_TOKEN = "__media__/"
# Pages are rendered with links that start at this marker and get the page's own way
# back to the bundle root at the end, so a card or a figure renders once for all pages.
ROOT = "\x1eroot\x1e"
BODY_SIZES = "(min-width: 50rem) 46rem, 100vw"

RenditionsOf = Callable[[Photo], list[Rendition]]


@dataclass(frozen=True)
class TimeValue:
    """A time as a page shows it: machine-readable and for people."""

    iso: str
    text: str


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'\s(src|alt)="([^"]*)"')
# A link and what it holds (sanitised HTML: links never nest, attributes are quoted).
_LINKED = re.compile(r"(<a\b[^>]*>)(.*?)(</a>)", re.IGNORECASE | re.DOTALL)


def _image_label(attrs: dict[str, str]) -> str:
    """The words an image stands for (its alt text is already HTML-escaped)."""
    return attrs.get("alt") or "Image"


def keep_bundle_images(html: str) -> str:
    """Keep only images of the bundle's own media; others become words or a plain link.

    A bundle must stand on its own (no hot-linked or tracking images, nothing
    that 404s) and every image needs alt text: an ``<img>`` an editor pasted is
    turned into a link to it (labelled by its alt text) when it is an http(s)
    URL, and its alt text in brackets otherwise. Inside a link (a badge such as
    ``[![Build](badge.svg)](url)``) the image becomes its label within that same
    link, never a link inside a link. Figures placed with the photo system are kept.
    """

    def outside(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(0)))
        src = attrs.get("src", "")
        if src.startswith(MEDIA_TOKEN) and attrs.get("alt"):
            return match.group(0)
        if src.startswith(("https://", "http://")):
            return f'<a href="{src}" rel="noopener noreferrer">[{_image_label(attrs)}]</a>'
        return f"[{attrs['alt']}]" if attrs.get("alt") else ""

    def inside(match: re.Match[str]) -> str:
        attrs = dict(_ATTR.findall(match.group(0)))
        if attrs.get("src", "").startswith(MEDIA_TOKEN) and attrs.get("alt"):
            return match.group(0)
        return f"[{_image_label(attrs)}]"

    def linked(match: re.Match[str]) -> str:
        return match.group(1) + _IMG.sub(inside, match.group(2)) + match.group(3)

    if "<img" not in html and "<IMG" not in html:
        return html
    parts = []
    last = 0
    for match in _LINKED.finditer(html):
        parts.append(_IMG.sub(outside, html[last:match.start()]))
        parts.append(linked(match))
        last = match.end()
    parts.append(_IMG.sub(outside, html[last:]))
    return "".join(parts)


def media_token(path: str) -> str:
    """A rendition path as written into cached body HTML (``media/x.jpg`` → token + ``x.jpg``).

    Cached bodies must not depend on where the page sits, so figures link to a
    token that each page (or feed) replaces with its own way to ``media/``.
    """
    return MEDIA_TOKEN + path.removeprefix("media/")


def placed_photo_ids(markdown_text: str, photos: Sequence[Photo]) -> set[str]:
    """The ids of the photos that the body places itself with ``![[photo:REF]]``."""
    placed = set()
    for ref in figures.references(markdown_text):
        photo, _why = figures.resolve(ref, photos)
        if photo is not None:
            placed.add(photo.id)
    return placed


def without_figures(markdown_text: str, photos: Sequence[Photo], keep: set[str]) -> str:
    """``markdown_text`` without the figure lines of placed photos not in ``keep`` (ids).

    For photos that cannot be shown (their bytes cannot be read): the page
    leaves them out instead of showing a "photo missing" warning to readers.
    """

    def replace(match: re.Match[str]) -> str:
        photo, _why = figures.resolve(match.group(1).strip(), photos)
        return "" if photo is not None and photo.id not in keep else match.group(0)

    return figures.FIGURE_LINE.sub(replace, markdown_text)


class PageRenderer:
    """Renders pages of one site with one theme."""

    def __init__(self, site: Site, theme: Theme, renditions_of: RenditionsOf,
                 bundled: Callable[[str], bool] | None = None) -> None:
        self.site = site
        self.theme = theme
        self.renditions_of = renditions_of
        self.bundled = bundled
        self.css = "static/site.css"
        self._css_link = f"{ROOT}{self.css}?v={theme.css_version}"
        theme.env.globals["url"] = self.url
        self._templates = {name: theme.template(name) for name in
                           ("front.html", "list.html", "story.html")}
        macros: Any = theme.template("_macros.html").module
        self._card_macro: Callable[..., str] = macros.card
        self._cards: dict[tuple[str, int, bool, str, str], Markup] = {}

    # Links and shared context -------------------------------------------------

    def url(self, target: str) -> str:
        """A link to a bundle path, relative to whichever page it ends up on."""
        if target == self.css:
            return self._css_link
        if self.bundled is not None and not self.bundled(target):
            return self.site.absolute(target)
        return ROOT + target

    @staticmethod
    def _finish(html: str, page_path: str) -> str:
        return html.replace(ROOT, root_prefix(page_path))

    def _base(self, page_path: str, *, title: str, description: str, canonical: str,
              current_section: str | None = None, masthead_heading: bool = False
              ) -> dict[str, Any]:
        site = self.site
        return {
            "site": {"desk_name": site.desk_name, "language": site.language},
            "title": title,
            "description": description,
            "canonical": canonical,
            "css": self.css,
            "home": "index.html",
            "masthead_heading": masthead_heading,
            "nav": [
                {"name": s.name, "path": site.section_path(s.slug),
                 "current": s.slug == current_section}
                for s in site.sections
            ],
            "feeds": [{"title": f"{site.desk_name}: latest", "path": "feed.atom"}]
            + ([{"title": f"{site.desk_name}: {site.section_name(current_section)}",
                 "path": site.section_feed_path(current_section)}] if current_section else []),
        }

    def time(self, value: datetime) -> TimeValue:
        """A time in the desk zone."""
        return TimeValue(iso_local(value, self.site.tz), local_time(value, self.site.tz))

    def image(self, photo: Photo) -> dict[str, Any] | None:
        """What a template needs to show one photo (None when it has no renditions)."""
        renditions = self.renditions_of(photo)
        if not renditions:
            return None
        main = default_rendition(renditions)
        return {
            "src": main.path, "srcset": srcset(renditions, self.url), "width": main.width,
            "height": main.height, "alt": photo.alt or photo.caption or "Photo",
            "caption": photo.caption, "credit": photo.credit,
        }

    def card(self, story: PublicStory, *, level: int, photo: bool = False, cls: str = "",
             loading: str = "lazy") -> Markup:
        """A story as a list entry, rendered once by the theme's ``card`` macro and reused."""
        key = (story.id, level, photo, cls, loading)
        html = self._cards.get(key)
        if html is None:
            html = Markup(self._card_macro(self.card_data(story, photo), level=level,
                                           photo=photo, cls=cls, loading=loading))
            self._cards[key] = html
        return html

    def card_data(self, story: PublicStory, photo: bool = False) -> dict[str, Any]:
        """What the ``card`` macro shows of a story."""
        section = None
        if story.section:
            section = {"name": self.site.section_name(story.section),
                       "path": self.site.section_path(story.section)}
        lead = story.lead_photo if photo else None
        return {
            "headline": story.headline, "path": self.site.story_path(story),
            "standfirst": story.standfirst, "published": self.time(story.publish_at),
            "section": section, "photo": self.image(lead) if lead else None,
        }

    # Pages ---------------------------------------------------------------------

    def front(self) -> str:
        """The front page: the top story, the latest stories, and a block per section."""
        site, path = self.site, "index.html"
        stories, blocks = site.front_stories()
        context = self._base(
            path, title=site.desk_name, description=f"The latest from {site.desk_name}",
            canonical=site.base_url, masthead_heading=True,
        )
        context["top"] = self.card(stories[0], level=3, photo=True, cls="card-lead",
                                   loading="eager") if stories else None
        context["latest"] = [self.card(s, level=3, photo=index < 6)
                             for index, s in enumerate(stories[1:])]
        context["blocks"] = [
            {"name": section.name, "path": site.section_path(section.slug),
             "cards": [self.card(story, level=3) for story in block]}
            for section, block in blocks
        ]
        return self._finish(self._templates["front.html"].render(context), path)

    def listing(self, page: ListPage) -> str:
        """One page of a section or tag listing."""
        site = self.site
        title = page.title if page.number == 1 else f"{page.title} (page {page.number})"
        context = self._base(
            page.path, title=f"{title} · {site.desk_name}",
            description=f"Stories {'in' if page.kind == 'section' else 'about'} {page.title}",
            canonical=site.absolute(page.path),
            current_section=page.key if page.kind == "section" else None,
        )
        path_of = (site.section_path if page.kind == "section" else site.tag_path)
        context.update(
            kind=page.kind, heading=page.title, number=page.number, total=page.total,
            cards=[self.card(s, level=2, photo=True, cls="card-row") for s in page.stories],
            prev=path_of(page.key, page.number - 1) if page.number > 1 else None,
            next=path_of(page.key, page.number + 1) if page.number < page.total else None,
        )
        return self._finish(self._templates["list.html"].render(context), page.path)

    def story(self, story: PublicStory, body_html: str, *, page_path: str | None = None,
              placed: set[str] | frozenset[str] = frozenset()) -> str:
        """A story page: the lead photo on top, body figures in place, other photos after."""
        site = self.site
        path = page_path or site.story_path(story)
        lead = story.lead_photo
        if lead is not None and lead.id in placed:
            lead = None
        others = [p for p in story.photos if p is not story.lead_photo and p.id not in placed]
        media_prefix = root_prefix(path) + "media/"
        if self.bundled is not None and not self.bundled("media/x"):
            media_prefix = site.absolute("media/")
        body_html = body_html.replace(MEDIA_TOKEN, media_prefix)
        images = [self.renditions_of(p) for p in story.photos]
        context = self._base(
            path, title=f"{story.headline} · {site.desk_name}", description=story.standfirst,
            canonical=site.absolute(site.story_path(story)), current_section=story.section,
        )
        context["site"] = {**context["site"], "language": site.language_of(story)}
        read_next = []
        for item in site.read_next.get(story.id, ()):
            if item.story is not None:
                read_next.append({"label": item.label, "internal": True,
                                  "href": site.story_path(item.story),
                                  "time": self.time(item.story.publish_at)})
            else:
                read_next.append({"label": item.label, "internal": False, "href": item.url,
                                  "time": None})
        body = with_dateline(normalise_headings(body_html), story.dateline)
        context.update(
            headline=story.headline, standfirst=story.standfirst, byline=story.byline,
            section={"name": site.section_name(story.section),
                     "path": site.section_path(story.section)} if story.section else None,
            published=self.time(story.publish_at),
            modified=self.time(story.modified_at) if story.modified_at else None,
            lead=self.image(lead) if lead else None,
            figures=[img for img in (self.image(p) for p in others) if img],
            body=Markup(body),
            correction=Markup(render_markdown(story.correction)) if story.correction else "",
            tags=[{"name": tag, "path": site.tag_path(tag)} for tag in story.tags],
            read_next=read_next,
            comments_embed=Markup(site.comments_embed) if site.comments_embed else "",
            ninjs=site.ninjs_path(story),
            meta_html=Markup("\n".join(
                f'<meta {m.attr}="{m.name}" content="{escape(m.content)}">'
                for m in social_tags(site, story, self.renditions_of(lead) if lead else None,
                                     lead.alt if lead else "")
            )),
            json_ld=Markup(script_json(json_ld(site, story, images))),
        )
        return self._finish(self._templates["story.html"].render(context), path)
