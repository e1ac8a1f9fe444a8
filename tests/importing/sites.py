"""Small sites written the way each generator's own sites are (Hugo's docs, Jekyll's news
posts, Pelican's test content), for the import tests."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` at ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def hugo_site(root: Path) -> Path:
    """A multilingual Hugo site: bundles, sections, same names in two folders, aliases,
    shortcodes, every date field."""
    write(root / "hugo.toml", (
        'baseURL = "https://news.example.org/"\ntitle = "Example News"\n'
        'timeZone = "Asia/Seoul"\ndefaultContentLanguage = "en"\n'
        '[languages.en]\n  contentDir = "content/en"\n  weight = 1\n'
        '[languages.fr]\n  contentDir = "content/fr"\n  weight = 2\n'
        '[params]\n  ghrepo = "https://github.com/example/news/"\n'
        '[taxonomies]\n  tag = "tags"\n  category = "categories"\n'
    ))
    content = root / "content" / "en"
    write(content / "_index.md", "---\ntitle: Home\n---\nWelcome.\n")
    write(content / "politics" / "_index.md", "---\ntitle: Politics & Power\n---\n")
    write(content / "posts" / "first-story" / "index.md", (
        "---\ntitle: First story\ndate: 2024-12-03T22:30:00+09:00\n"
        "aliases: [/2024/12/first/, old-first]\ntags: [martial-law, seoul]\n---\n"
        "The first bundle.\n"))
    write(content / "posts" / "first-story" / "photo.jpg", b"\xff\xd8not really")
    write(content / "posts" / "second-story" / "index.md", (
        "---\ntitle: Second story\ndate: 2024-12-04\nlastmod: 2024-12-06T10:00:00Z\n"
        "---\nSee {{< ref \"/posts/first-story\" >}} and {{< relref \"../first-story/index.md\" "
        ">}}.\n\n{{< figure src=\"/img/chart.png\" alt=\"Votes\" caption=\"The count\" >}}\n\n"
        "{{< youtube w7Ft2ymGmfc >}} {{< param ghrepo >}}\n\n"
        "{{< highlight go >}}\nfunc main() {}\n{{< /highlight >}}\n\n"
        "{{< code-toggle file=hugo >}}\n[params]\nx = 1\n{{< /code-toggle >}}\n\n"
        "```\n{{</* figure src=\"x\" */>}}\n```\n"))
    write(content / "politics" / "update.md", (
        "+++\ntitle = \"Politics update\"\ndate = 2024-12-05T09:00:00+09:00\n"
        "publishDate = 2099-01-01T00:00:00Z\n+++\nLater.\n"))
    write(content / "sport" / "update.md", (
        "---\ntitle: Sport update\ndate: 2024-12-05\nexpiryDate: 2024-12-06\n---\nOver.\n"))
    write(content / "news" / "vote.md", (
        "{\n  \"title\": \"Vote passes\",\n  \"date\": \"2024-12-14T17:00:00+09:00\",\n"
        "  \"categories\": [\"politics\"]\n}\nThe assembly voted.\n"))
    write(content / "news" / "korean.md", (
        "---\ntitle: 서울 시장 선거 결과\ndate: 2024-12-07\ncategories: [지방선거]\n"
        "tags: [マック, 선거]\n---\n본문.\n"))
    write(content / "news" / "draft.md", "---\ntitle: Not yet\ndraft: true\n---\nDraft.\n")
    write(content / "news" / "vote.fr.md", "---\ntitle: ignored language\n---\nx\n")
    fr = root / "content" / "fr"
    write(fr / "news" / "vote.md", (
        "---\ntitle: Le vote est passé\ndate: 2024-12-14T17:00:00+09:00\n"
        "categories: [politics]\n---\nL'assemblée a voté.\n"))
    write(content / "_common" / "_index.md", (
        "---\ncascade:\n  build:\n    list: never\n    render: never\n---\n"))
    write(content / "_common" / "snippet.md", "A snippet other pages include.\n")
    write(root / "archetypes" / "default.md", "---\ntitle: \"{{ .Name }}\"\n---\n")
    write(root / "themes" / "t" / "README.md", "# Theme\n")
    return root


def jekyll_site(root: Path) -> Path:
    """A Jekyll site like jekyllrb.com's docs: posts, drafts, a collection, Liquid."""
    write(root / "_config.yml", (
        "url: https://jekyllrb.example\nbaseurl: \"\"\nrepository: https://github.com/jekyll/"
        "jekyll\ntimezone: America/Los_Angeles\npermalink: /news/:year/:month/:day/:title/\n"
        "collections:\n  docs:\n    permalink: /:collection/:path/\n    output: true\n"
        "defaults:\n- scope:\n    path: _posts\n    type: posts\n  values:\n"
        "    layout: news_item\n    author: jekyll-team\nexclude:\n- private.md\n"))
    write(root / "_posts" / "2022-12-21-jekyll-sass-converter-3.0-released.markdown", (
        "---\ntitle: 'Jekyll Sass Converter 3.0 Released'\ndate: 2022-12-21 09:50:00 -0800\n"
        "author: ashmaroli\ncategories: [release]\ntags: sass converter release\n"
        "excerpt: The **Dart Sass** era begins.\nredirect_from:\n  - /sass-3/\n---\n"
        "Read the [docs]({{ '/docs/assets/' | relative_url }}) and the "
        "[usage]({% link _docs/usage.md %}) page; the code is at {{ site.repository }}.\n\n"
        "{% highlight liquid %}\n{% raw %}\n{{ \"/x\" | relative_url }}\n{% endraw %}\n"
        "{% endhighlight %}\n\nEarlier: {% post_url 2016-10-06-jekyll-3-3-is-here %}\n\n"
        "{% include docs_version_badge.html %}\n"))
    write(root / "_posts" / "2016" / "2016-10-06-jekyll-3-3-is-here.md", (
        "---\ntitle: Jekyll 3.3 is here\ndate: 2016-10-06 11:10:38 -0700\nauthor: parkr\n"
        "categories: [release]\n---\n[![Build](https://ci.example/badge.svg)](https://ci.example/)"
        "\n"))
    write(root / "_posts" / "2013-05-06-election-results.md", (
        "---\ntitle: Election results\npublished: false\n---\nOld archive.\n"))
    write(root / "_drafts" / "upcoming.md", "---\ntitle: Upcoming\n---\nSoon.\n")
    write(root / "_docs" / "usage.md", "---\ntitle: Usage\npermalink: /docs/usage/\n---\nUse it.\n")
    write(root / "about.md", "---\ntitle: About\n---\nAbout us.\n")
    write(root / "README.md", "# Not a page\n")
    write(root / "private.md", "---\ntitle: Private\n---\nExcluded.\n")
    write(root / "_includes" / "note.md", "An include.\n")
    write(root / "node_modules" / "pkg" / "README.md", "---\ntitle: npm\n---\n")
    write(root / ".git" / "x.md", "---\ntitle: git\n---\n")
    write(root / "index.html", "---\nlayout: home\n---\n<p>Home</p>\n")
    return root


def pelican_site(root: Path) -> Path:
    """A Pelican site like its test content: metadata forms, statuses, translations, URLs."""
    write(root / "pelicanconf.py", (
        "import os\nAUTHOR = 'Desk'\nSITEURL = 'https://pelican.example'\nPATH = 'content'\n"
        "TIMEZONE = 'Europe/Paris'\nDEFAULT_LANG = 'en'\n"
        "ARTICLE_URL = 'posts/{date:%Y}/{date:%m}/{slug}/'\n"
        "ARTICLE_SAVE_AS = ARTICLE_URL + 'index.html'\nSTATIC_PATHS = ['images']\n"
        "TOKEN = os.environ.get('TOKEN')\n"))
    content = root / "content"
    write(content / "article_with_markdown_and_summary_metadata_multi.md", (
        "Title: Article with markdown and summary metadata multi\nDate: 2012-10-31\n"
        "Summary:\n    A multi-line summary should be supported\n"
        "    as well as **inline markup**.\n"
        "Authors: Smith, John; Doe, Jane\n\nThis is some content.\n"))
    write(content / "article_skip.md", (
        "Title: Skipped article\nDate: 2024-06-30\nStatus: skip\n\nNot rendered.\n"))
    write(content / "article_hidden.md", "Title: Hidden article\nDate: 2012-10-31\n"
                                          "Status: hidden\n\nUnlisted.\n")
    write(content / "article_draft.md", "Title: Draft article\nDate: 2012-10-31\n"
                                         "Status: draft\n\nDraft.\n")
    write(content / "2012-11-30_md_w_filename_meta#foo-bar.md", (
        "category: yeah\nauthor: Alexis Métaireau\n\nMarkdown with filename metadata\n"
        "===============================\n\nBody.\n"))
    write(content / "dates" / "slashes.md", "Title: Slashes\nDate: 2012/10/31\n"
                                             "Modified: 31 Oct 2012 18:00\n\nx\n")
    write(content / "dates" / "words.md", "Title: Words\nDate: 31 Oct 2012\nTags: a; b, c\n\nx\n")
    write(content / "super_article.md", (
        "Title: This is a super article !\nDate: 2010-12-02 10:14\nSlug: oh-yeah\nLang: en\n"
        "Category: yeah\n\nSee [the other]({filename}/dates/words.md) and "
        "![chart]({static}/images/chart.png).\n"))
    write(content / "super_article-fr.md", (
        "Title: Trop bien !\nDate: 2010-10-20 10:14\nSlug: oh-yeah\nLang: fr\n\n"
        "Et voila du contenu en français\n"))
    write(content / "pages" / "override.md", (
        "Title: Override url/save_as\nDate: 2012-12-07\nurl: override/\n"
        "save_as: override/index.html\n\nCustom location.\n"))
    write(content / "article.rst", "Article\n#######\n\n:date: 2010-10-20\n\ntext\n")
    write(content / "article_with_attributes.html", "<html><head><title>x</title></head></html>")
    write(content / "images" / "chart.md", "Title: not content\n\nx\n")
    return root
