#!/bin/sh
# Install (or remove) a built SayOnce bundle with its desktop entry and icons.
#
#   build_spec/linux/install.sh [--system] [--uninstall] [BUNDLE]
#
# BUNDLE defaults to dist/sayonce next to this script's repository (or the folder this script
# sits in, inside a release archive). Without --system it installs for the current user only:
#   ~/.local/lib/sayonce, ~/.local/bin/sayonce, ~/.local/share/applications, ~/.local/share/icons
# With --system (as root): /opt/sayonce, /usr/local/bin/sayonce, /usr/share/applications, ...
set -eu

here=$(cd "$(dirname "$0")" && pwd)
mode=user
action=install
bundle=""
for arg in "$@"; do
    case "$arg" in
        --system) mode=system ;;
        --uninstall) action=uninstall ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) bundle=$arg ;;
    esac
done

if [ "$mode" = system ]; then
    target=/opt/sayonce
    bin=/usr/local/bin
    share=/usr/share
else
    target=$HOME/.local/lib/sayonce
    bin=$HOME/.local/bin
    share=${XDG_DATA_HOME:-$HOME/.local/share}
fi
apps=$share/applications
icons=$share/icons/hicolor

if [ "$action" = uninstall ]; then
    rm -rf "$target"
    rm -f "$bin/sayonce" "$apps/sayonce.desktop" "$icons/scalable/apps/sayonce.svg"
    for png in "$icons"/*/apps/sayonce.png; do rm -f "$png"; done
    echo "SayOnce removed from $target"
    exit 0
fi

if [ -z "$bundle" ]; then
    for candidate in "$here/../../dist/sayonce" "$here/sayonce"; do
        if [ -x "$candidate/sayonce" ]; then bundle=$candidate; break; fi
    done
fi
if [ -z "$bundle" ] || [ ! -x "$bundle/sayonce" ]; then
    echo "install.sh: no SayOnce bundle found (build one with 'make package')" >&2
    exit 1
fi
bundle=$(cd "$bundle" && pwd)

rm -rf "$target"
mkdir -p "$target" "$bin" "$apps" "$icons/scalable/apps"
cp -a "$bundle/." "$target/"
ln -sf "$target/sayonce" "$bin/sayonce"
sed "s|@BUNDLE@|$target|g" "$here/sayonce.desktop" > "$apps/sayonce.desktop"
chmod 644 "$apps/sayonce.desktop"
for dir in "$here"/icons/*x*; do
    size=$(basename "$dir")
    mkdir -p "$icons/$size/apps"
    cp "$dir/sayonce.png" "$icons/$size/apps/sayonce.png"
done
cp "$target/_internal/resources/icons/sayonce.svg" "$icons/scalable/apps/sayonce.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
echo "SayOnce installed in $target; menu entry $apps/sayonce.desktop; command $bin/sayonce"
