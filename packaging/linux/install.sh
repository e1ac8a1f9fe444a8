#!/bin/sh
# Install (or remove) Newsroom for the current user, from the unpacked folder
# this script sits in. No root rights needed; nothing outside $PREFIX is touched.
#
#   ./install.sh                 install into ~/.local (the app in ~/.local/lib/newsroom)
#   ./install.sh --prefix DIR    install into DIR/lib/newsroom, DIR/bin, DIR/share
#   ./install.sh --uninstall     remove it again (your stories are kept)
#
# Your stories are not in the installation: the app keeps its store in your user
# data folder (~/.local/share/newsroom/newsroom.db unless you chose another).
set -eu

APP_ID=org.newsroom.Newsroom
PREFIX="${HOME}/.local"
ACTION=install

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "$0"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix)
            [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }
            PREFIX="$2"; shift 2 ;;
        --prefix=*) PREFIX="${1#--prefix=}"; shift ;;
        --uninstall) ACTION=uninstall; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done

case "$PREFIX" in
    /*) ;;
    *) PREFIX="$(pwd)/$PREFIX" ;;
esac
SOURCE="$(cd "$(dirname "$0")" && pwd)"
APPDIR="$PREFIX/lib/newsroom"
BINDIR="$PREFIX/bin"
SHARE="$PREFIX/share"

refresh_caches() {
    # Menus and icon themes pick the change up at once where these tools exist.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
    fi
    if [ -f "$SHARE/icons/hicolor/index.theme" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f "$SHARE/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "$ACTION" = uninstall ]; then
    rm -f "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml"
    for icon in "$SHARE"/icons/hicolor/*/apps/"$APP_ID".png "$SHARE"/icons/hicolor/scalable/apps/"$APP_ID".svg; do
        if [ -e "$icon" ]; then rm -f "$icon"; fi
    done
    if [ -L "$BINDIR/newsroom" ]; then
        rm -f "$BINDIR/newsroom"
    fi
    if [ -x "$APPDIR/newsroom" ] && [ -d "$APPDIR/_internal" ]; then
        rm -rf "$APPDIR"
    fi
    refresh_caches
    echo "Newsroom removed from $PREFIX (your stories are kept)."
    exit 0
fi

if [ ! -x "$SOURCE/newsroom" ] || [ ! -d "$SOURCE/_internal" ] || [ ! -d "$SOURCE/share" ]; then
    echo "install.sh: $SOURCE is not an unpacked Newsroom folder (no newsroom program next to me)" >&2
    exit 1
fi
if [ ! -w "$PREFIX" ] && ! mkdir -p "$PREFIX" 2>/dev/null; then
    echo "install.sh: cannot write to $PREFIX: choose another with --prefix" >&2
    exit 1
fi

if [ "$SOURCE" != "$APPDIR" ]; then
    # Copy next to the target first and swap, so a failed copy leaves the old version working.
    mkdir -p "$PREFIX/lib"
    STAGING="$PREFIX/lib/.newsroom-installing.$$"
    rm -rf "$STAGING"
    trap 'rm -rf "$STAGING"' EXIT
    cp -R "$SOURCE" "$STAGING"
    rm -rf "$APPDIR"
    mv "$STAGING" "$APPDIR"
    trap - EXIT
fi

mkdir -p "$BINDIR" "$SHARE/applications" "$SHARE/metainfo"
ln -sfn "$APPDIR/newsroom" "$BINDIR/newsroom"

# The menu entry starts the program by its full path: ~/.local/bin is not on
# the PATH of every desktop session.
sed -e "s|^Exec=newsroom |Exec=\"$APPDIR/newsroom\" |" \
    -e "s|^TryExec=newsroom\$|TryExec=$APPDIR/newsroom|" \
    "$SOURCE/share/applications/$APP_ID.desktop" > "$SHARE/applications/$APP_ID.desktop"
chmod 644 "$SHARE/applications/$APP_ID.desktop"
cp "$SOURCE/share/metainfo/$APP_ID.metainfo.xml" "$SHARE/metainfo/"
(cd "$SOURCE/share" && find icons -type f) | while read -r icon; do
    mkdir -p "$SHARE/$(dirname "$icon")"
    cp "$SOURCE/share/$icon" "$SHARE/$icon"
done
refresh_caches

echo "Newsroom $("$APPDIR/newsroom" --version | sed 's/^newsroom //') installed:"
echo "  program     $APPDIR"
echo "  command     $BINDIR/newsroom"
echo "  menu entry  $SHARE/applications/$APP_ID.desktop"
case ":$PATH:" in
    *":$BINDIR:"*) ;;
    *) echo "  note: $BINDIR is not on your PATH; the menu entry works regardless" ;;
esac
