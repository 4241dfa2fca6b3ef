#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build into a temporary DESTDIR and checks that everything a
# desktop needs landed where it looks for it, then runs the installed programs.
#   check-install.sh BUILD_DIR SOURCE_ROOT PREFIX BINDIR DATADIR LOCALEDIR APP_ID VERSION GUI
# BINDIR, DATADIR and LOCALEDIR are meson's options: relative to PREFIX or absolute.
# GUI is "gui", or "no-gui" for a -Dgui=false build (no window, no desktop files).
set -uo pipefail

if [ $# -ne 9 ]; then
  echo "usage: check-install.sh BUILD_DIR SOURCE_ROOT PREFIX BINDIR DATADIR LOCALEDIR APP_ID VERSION GUI" >&2
  exit 2
fi
build=$1 root=$2 prefix=$3 bindir=$4 datadir=$5 localedir=$6 app_id=$7 version=$8 gui=$9
package=sparkflash

under_prefix () {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$prefix" "$1" ;;
  esac
}
bindir=$(under_prefix "$bindir")
datadir=$(under_prefix "$datadir")
localedir=$(under_prefix "$localedir")

destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT

n=0
fail=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $*"; echo "FAILED: $*" >&2; fail=1; }

# meson test has built everything already; --no-rebuild keeps this from
# starting a second ninja inside the running test.
if meson install -C "$build" --destdir "$destdir" --no-rebuild --quiet > "$destdir/.install.log" 2>&1; then
  ok "meson install --destdir"
else
  sed 's/^/# /' "$destdir/.install.log" >&2
  not_ok "meson install --destdir"
  echo "1..$n"
  exit 1
fi

check_file () {
  if [ -f "$destdir$1" ] && [ -s "$destdir$1" ]; then
    ok "installed $1"
  else
    not_ok "installed $1"
  fi
}

programs="sparkflash-cli sparkflash-sim"
[ "$gui" = gui ] && programs="sparkflash $programs"
for program in $programs; do
  if [ -x "$destdir$bindir/$program" ]; then
    ok "installed $bindir/$program"
  else
    not_ok "installed $bindir/$program (executable)"
  fi
done
check_file "$datadir/man/man1/sparkflash-cli.1"
# The completion goes where bash-completion's pkg-config file says, or under
# DATADIR without it: either way a file named after the command.
if find "$destdir" -path '*/completions/sparkflash-cli' -type f -size +0 | grep -q .; then
  ok "installed the bash completion for sparkflash-cli"
else
  not_ok "installed the bash completion for sparkflash-cli"
fi
if [ "$gui" = gui ]; then
  check_file "$datadir/man/man1/sparkflash.1"
  check_file "$datadir/applications/$app_id.desktop"
  check_file "$datadir/metainfo/$app_id.metainfo.xml"
  check_file "$datadir/icons/hicolor/scalable/apps/$app_id.svg"
  check_file "$datadir/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"
  check_file "$datadir/glib-2.0/schemas/$app_id.gschema.xml"
else
  for path in "$bindir/sparkflash" "$datadir/applications/$app_id.desktop" "$datadir/man/man1/sparkflash.1"; do
    if [ -e "$destdir$path" ]; then
      not_ok "a build without the window installs no $path"
    else
      ok "a build without the window installs no $path"
    fi
  done
fi

langs=$(sed -e 's/#.*//' "$root/po/LINGUAS" | tr -s '[:space:]' '\n' | sed '/^$/d')
for lang in $langs; do
  check_file "$localedir/$lang/LC_MESSAGES/$package.mo"
done
[ -n "$langs" ] || echo "# po/LINGUAS lists no language yet: no .mo files to look for"

# The software centre finds the app through <launchable>; it must name the
# .desktop file that was installed.
if [ "$gui" = gui ]; then
  if grep -qF "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" \
       "$destdir$datadir/metainfo/$app_id.metainfo.xml" 2>/dev/null; then
    ok "the metainfo launches $app_id.desktop"
  else
    not_ok "the metainfo launches $app_id.desktop"
  fi
  if grep -qxF "Icon=$app_id" "$destdir$datadir/applications/$app_id.desktop" 2>/dev/null; then
    ok "the .desktop file uses the installed icon"
  else
    not_ok "the .desktop file uses the installed icon (Icon=$app_id)"
  fi
fi

# The installed programs start and report this version. --version returns
# before GTK opens a display, so this needs neither a display nor a schema.
for program in $programs; do
  [ "$program" = sparkflash-sim ] && continue
  if out=$(timeout 30 "$destdir$bindir/$program" --version 2>&1) && grep -qF -- "$version" <<<"$out"; then
    ok "installed $program --version prints $version"
  else
    sed 's/^/# /' <<<"$out" >&2
    not_ok "installed $program --version prints $version"
  fi
done

echo "1..$n"
exit $fail
