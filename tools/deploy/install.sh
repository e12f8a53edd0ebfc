#!/bin/sh
# Installs a release build of aviso under PREFIX (default /opt/aviso): the binary and the
# resource bundles it loads from beside itself (the console's views, styles and scripts).
# The default templates and the demo portfolio are compiled into the binary.
# Usage, from the repository: swift build -c release && sudo tools/deploy/install.sh [PREFIX]
# BUILD_DIR (default .build/release) is where the build is; LINK (default /usr/local/bin/aviso)
# the symlink to make, none when empty.
set -eu
prefix="${1:-/opt/aviso}"
built="${BUILD_DIR:-.build/release}"
link="${LINK-/usr/local/bin/aviso}"
[ -x "$built/aviso" ] || { echo "install.sh: no $built/aviso; run 'swift build -c release' first" >&2; exit 1; }
install -d -m 0755 "$prefix/bin"
install -m 0755 "$built/aviso" "$prefix/bin/aviso.new"
for bundle in "$built"/*.resources; do
    [ -d "$bundle" ] || continue
    rm -rf "$prefix/bin/$(basename "$bundle")"
    cp -R "$bundle" "$prefix/bin/"
done
chmod -R u=rwX,go=rX "$prefix/bin"
mv -f "$prefix/bin/aviso.new" "$prefix/bin/aviso"   # atomic: a running service keeps its old inode
echo "installed $prefix/bin/aviso and its resource bundles"
if [ -n "$link" ]; then ln -sf "$prefix/bin/aviso" "$link"; echo "$link points to it"; fi
