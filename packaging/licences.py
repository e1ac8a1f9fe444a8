"""The licence texts of everything the packaged app carries, gathered into ``licenses/``.

The folder ships Python, Qt (through PySide6, under the LGPL) and a dozen
Python libraries; their licences ask for their notices to travel with them.
:func:`write_licences` finds the distributions the app is built from (Newsroom's
requirements with the ``postgres`` extra, followed through their own
requirements), copies each one's licence files, adds the Python runtime's
licence and, for LGPL/GPL packages whose wheels carry no text, the licence
texts from the build machine (``/usr/share/common-licenses`` on Debian), and
writes an index, ``licenses/README.txt``.
"""

from __future__ import annotations

import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

_LICENCE_FILE = re.compile(r"(^|/)(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)
_COMMON_LICENSES = Path("/usr/share/common-licenses")
# SPDX ids in licence expressions whose texts Debian keeps in common-licenses.
_SPDX_TEXTS = {"LGPL-3.0": "LGPL-3", "GPL-2.0": "GPL-2", "GPL-3.0": "GPL-3",
               # chunspell's field names Hunspell's tri-licence as "MPL 1.1/GPL 2.0/LGPL 2.1".
               "MPL 1.1": "MPL-1.1", "MPL-1.1": "MPL-1.1", "LGPL 2.1": "LGPL-2.1"}


def _name(requirement: str) -> tuple[str, set[str], str]:
    """A requirement's distribution name, extras and marker."""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(\[([^\]]*)\])?[^;]*(;(.*))?", requirement)
    if match is None:
        return requirement, set(), ""
    extras = {e.strip() for e in (match.group(3) or "").split(",") if e.strip()}
    return match.group(1), extras, (match.group(5) or "").strip()


def _applies(marker: str, extras: set[str]) -> bool:
    if not marker:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # without `packaging`, keep the requirement: a licence too many is fine
        return "extra" not in marker or any(f'"{e}"' in marker for e in extras)
    parsed = Marker(marker)
    if "extra" in marker:
        return any(parsed.evaluate({"extra": e}) for e in extras)
    return parsed.evaluate()


def bundled_distributions(root: str = "newsroom",
                          extras: tuple[str, ...] = ("postgres",)) -> list[metadata.Distribution]:
    """The installed distributions the app is built from, by name."""
    found: dict[str, metadata.Distribution] = {}
    pending: list[tuple[str, set[str]]] = [(root, set(extras))]
    while pending:
        name, wanted = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement that is not installed is not bundled either
        found[key] = dist
        for requirement in dist.requires or []:
            child, child_extras, marker = _name(requirement)
            if _applies(marker, wanted):
                pending.append((child, child_extras))
    return [found[key] for key in sorted(found)]


def licence_of(dist: metadata.Distribution) -> str:
    """The licence a distribution declares (expression, field or classifiers)."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) < 80:
        return field
    return ", ".join(classifiers) or "see the project"


def write_licences(folder: Path, own_licence: Path | None = None) -> Path:
    """Write ``folder/licenses`` with every bundled licence and an index; returns it."""
    target = folder / "licenses"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    lines = ["Licences of the software in this folder", "",
             f"{'package':28s} {'version':12s} licence"]
    if own_licence is not None and own_licence.is_file():
        shutil.copy2(own_licence, target / "Newsroom-LICENSE.txt")
    python_licence = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}." \
        f"{sys.version_info.minor}" / "LICENSE.txt"
    lines.append(f"{'Python':28s} {sys.version.split()[0]:12s} PSF-2.0")
    if python_licence.is_file():
        (target / "Python").mkdir()
        shutil.copy2(python_licence, target / "Python" / "LICENSE.txt")
    for dist in bundled_distributions():
        name = str(dist.metadata["Name"])
        if name.lower() == "newsroom":
            continue
        licence = licence_of(dist)
        lines.append(f"{name:28s} {dist.version:12s} {licence}")
        own = target / name
        own.mkdir()
        for file in dist.files or []:
            if _LICENCE_FILE.search(str(file)):
                source = Path(str(file.locate()))
                if source.is_file():
                    shutil.copy2(source, own / source.name)
        for spdx, text in _SPDX_TEXTS.items():
            if spdx in licence and (_COMMON_LICENSES / text).is_file():
                shutil.copy2(_COMMON_LICENSES / text, own / f"{text}.txt")
        if not any(own.iterdir()):
            own.rmdir()
    lines += ["", "Each folder here holds the licence texts that package ships. Qt and PySide6",
              "are used under the LGPL 3: they are the separate shared libraries in",
              "_internal/PySide6, which may be replaced by other builds of the same version.",
              "Hunspell 1.7 (in chunspell, the spellcheck) is used under the MPL 1.1: the",
              "unmodified shared library _internal/hunspell/libhunspell-1.7.so.0 (.dll/.dylib),",
              "whose source is at https://github.com/hunspell/hunspell; its en_US dictionary",
              "comes from SCOWL (http://wordlist.aspell.net/), under a BSD-like licence."]
    (target / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
