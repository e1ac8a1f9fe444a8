"""Machine-readable descriptions of a story: JSON-LD NewsArticle, Open Graph and ninjs.

All three are built from the same facts the page shows, with absolute URLs on
the desk's base URL, times with the desk zone's offset, and keys in a fixed
order, so they are as deterministic as the page itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from cms.export.images import Rendition
from cms.export.selection import PublicStory
from cms.export.site import Site, iso_local

NINJS_SCHEMA = "https://www.iptc.org/std/ninjs/ninjs-schema_2.0.json"
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class MetaTag:
    """One ``<meta>`` element: ``property``/``name`` attribute, its value, and content."""

    attr: str
    name: str
    content: str


def authors(byline: str) -> list[str]:
    """The names in a byline: ``"A, B and C"`` → ``["A", "B", "C"]``."""
    text = re.sub(r"^\s*by\s+", "", byline, flags=re.IGNORECASE)
    names = [n.strip() for n in re.split(r",|\band\b|&", text) if n.strip()]
    return names


def script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: no ``<``, ``>`` or ``&`` that could end the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _largest(renditions: list[Rendition]) -> Rendition | None:
    return renditions[-1] if renditions else None


def json_ld(site: Site, story: PublicStory, images: list[list[Rendition]]) -> dict[str, Any]:
    """The schema.org NewsArticle for a story page."""
    url = site.absolute(site.story_path(story))
    published = iso_local(story.publish_at, site.tz)
    modified = iso_local(story.updated, site.tz)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": story.headline,
        "datePublished": published,
        "dateModified": modified,
        "inLanguage": site.language_of(story),
        "author": [{"@type": "Person", "name": name} for name in authors(story.byline)],
        "publisher": {"@type": "Organization", "name": site.desk_name, "url": site.base_url},
    }
    if story.standfirst:
        data["description"] = story.standfirst
    if story.section:
        data["articleSection"] = site.section_name(story.section)
    if story.tags:
        data["keywords"] = list(story.tags)
    if story.dateline:
        data["locationCreated"] = {"@type": "Place", "name": story.dateline}
    pictures = []
    for renditions in images:
        largest = _largest(renditions)
        if largest is not None:
            pictures.append({
                "@type": "ImageObject", "url": site.absolute(largest.path),
                "width": largest.width, "height": largest.height,
            })
    if pictures:
        data["image"] = pictures
    if story.correction:
        data["correction"] = {
            "@type": "CorrectionComment", "text": story.correction, "datePublished": modified,
        }
    return data


def social_tags(site: Site, story: PublicStory, lead: list[Rendition] | None,
                lead_alt: str) -> list[MetaTag]:
    """Open Graph and Twitter card tags for a story page."""
    url = site.absolute(site.story_path(story))
    tags = [
        MetaTag("property", "og:type", "article"),
        MetaTag("property", "og:site_name", site.desk_name),
        MetaTag("property", "og:title", story.headline),
        MetaTag("property", "og:url", url),
        MetaTag("property", "og:locale", site.language_of(story).replace("-", "_")),
    ]
    if story.standfirst:
        tags.append(MetaTag("property", "og:description", story.standfirst))
    image = _largest(lead or [])
    if image is not None:
        tags += [
            MetaTag("property", "og:image", site.absolute(image.path)),
            MetaTag("property", "og:image:type", image.media_type),
            MetaTag("property", "og:image:width", str(image.width)),
            MetaTag("property", "og:image:height", str(image.height)),
        ]
        if lead_alt:
            tags.append(MetaTag("property", "og:image:alt", lead_alt))
    tags.append(MetaTag("property", "article:published_time",
                        iso_local(story.publish_at, site.tz)))
    if story.modified_at:
        tags.append(MetaTag("property", "article:modified_time",
                            iso_local(story.modified_at, site.tz)))
    if story.section:
        tags.append(MetaTag("property", "article:section", site.section_name(story.section)))
    tags += [MetaTag("property", "article:tag", tag) for tag in story.tags]
    tags += [
        MetaTag("name", "twitter:card", "summary_large_image" if image else "summary"),
        MetaTag("name", "twitter:title", story.headline),
    ]
    if story.standfirst:
        tags.append(MetaTag("name", "twitter:description", story.standfirst))
    if image is not None:
        tags.append(MetaTag("name", "twitter:image", site.absolute(image.path)))
        if lead_alt:
            tags.append(MetaTag("name", "twitter:image:alt", lead_alt))
    return tags


def ninjs(site: Site, story: PublicStory, body_html: str,
          images: list[list[Rendition]]) -> dict[str, Any]:
    """The IPTC ninjs 2.0 document for a story."""
    plain = _TAGS.sub("", body_html)
    data: dict[str, Any] = {
        "uri": site.absolute(site.story_path(story)),
        "standard": {"name": "ninjs", "version": "2.0", "schema": NINJS_SCHEMA},
        "type": "text",
        "representationtype": "full",
        "version": story.revision_id,
        "firstcreated": iso_local(story.publish_at, site.tz),
        "versioncreated": iso_local(story.updated, site.tz),
        "pubstatus": "usable",
        "language": site.language_of(story),
        "copyrightholder": site.desk_name,
        "slugline": story.slug,
        "headlines": [{"role": "main", "value": story.headline}],
        "bodies": [{"role": "main", "contenttype": "text/html", "charcount": len(plain),
                    "value": body_html}],
        "altids": [{"role": "internal", "value": story.id}],
    }
    if story.standfirst:
        data["descriptions"] = [{"role": "summary", "contenttype": "text/plain",
                                 "value": story.standfirst}]
    if story.byline:
        data["by"] = story.byline
    if story.dateline:
        data["located"] = story.dateline
    if story.tags:
        data["subjects"] = [{"name": tag} for tag in story.tags]
    if story.section:
        data["genres"] = [{"name": site.section_name(story.section), "code": story.section}]
    if story.correction:
        data["ednote"] = f"Correction: {story.correction}"
    associations = []
    for index, (photo, renditions) in enumerate(zip(story.photos, images, strict=True)):
        if not renditions:
            continue
        associations.append({
            "name": "lead" if photo.role == "lead" else f"picture{index + 1}",
            "type": "picture",
            "uri": site.absolute(renditions[-1].path),
            "headlines": [{"role": "main", "value": photo.alt}] if photo.alt else [],
            "descriptions": [{"role": "caption", "contenttype": "text/plain",
                              "value": photo.caption}] if photo.caption else [],
            "by": photo.credit,
            "renditions": [
                {"name": f"w{r.width}", "href": site.absolute(r.path), "contenttype": r.media_type,
                 "width": r.width, "height": r.height, "sizeinbytes": r.size}
                for r in renditions
            ],
        })
    if associations:
        data["associations"] = associations
    return data
