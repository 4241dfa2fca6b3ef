#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Extracts the strings of every file in po/POTFILES.in the way the
# sparkflash-pot target does (meson's "glib" preset), but into a temporary
# file, so the source tree stays untouched. Fails when xgettext warns, when a
# listed file yields no string (its extractor rules are missing), or when a
# translation in po/LINGUAS does not compile with msgfmt --check.
#   check-pot.sh SOURCE_ROOT GETTEXT_PACKAGE
set -uo pipefail
export LC_ALL=C

root=${1:?usage: check-pot.sh SOURCE_ROOT GETTEXT_PACKAGE}
package=${2:?usage: check-pot.sh SOURCE_ROOT GETTEXT_PACKAGE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
fail=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $*"; echo "FAILED: $*" >&2; fail=1; }

sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$root/po/POTFILES.in" > "$tmp/POTFILES"

if xgettext --package-name="$package" -f "$tmp/POTFILES" -D "$root" -o "$tmp/$package.pot" \
     -k_ --from-code=UTF-8 --add-comments \
     --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
     --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
     --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
     --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
     --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
     --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
     --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
     --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
     --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
     2> "$tmp/xgettext.err" && [ ! -s "$tmp/xgettext.err" ]; then
  ok "xgettext extracts $(grep -c '^msgid ' "$tmp/$package.pot") strings without a warning"
else
  sed 's/^/# /' "$tmp/xgettext.err" >&2
  not_ok "xgettext extracts the strings without a warning"
fi

# xgettext cannot expand a macro pasted into a marked string: the msgid stops
# at the macro, so the string is never translated. Use %zu/%zx for gsize and
# <inttypes.h> PRIu64/PRIx64 (which gettext understands) for 64-bit values.
pasted='(^|[^[:alnum:]_])(N?_|C_|NC_)[[:space:]]*\(([^()]*,)?[[:space:]]*"([^"\\]|\\.)*"[[:space:]]*G_G[A-Z0-9_]*(FORMAT|MODIFIER)'
c_files=$(grep -E '\.[ch]$' "$tmp/POTFILES" || true)
if [ -z "$c_files" ] || ! (cd "$root" && grep -nE -- "$pasted" $c_files) > "$tmp/pasted"; then
  ok "no GLib format macro pasted into a translatable string"
else
  sed 's/^/# /' "$tmp/pasted" >&2
  not_ok "no GLib format macro pasted into a translatable string ($(wc -l < "$tmp/pasted") places)"
fi

while read -r f; do
  if grep -qE "^#:.*[[:space:]]$f(:[0-9]+)?([[:space:]]|\$)" "$tmp/$package.pot" 2>/dev/null; then
    ok "strings from $f"
  else
    not_ok "strings from $f (xgettext found none: are its rules installed?)"
  fi
done < "$tmp/POTFILES"

langs=$(sed -e 's/#.*//' "$root/po/LINGUAS" | tr -s '[:space:]' '\n' | sed '/^$/d')
for lang in $langs; do
  if msgfmt --check --check-format -o /dev/null "$root/po/$lang.po" 2> "$tmp/msgfmt.err"; then
    ok "po/$lang.po compiles with msgfmt --check"
  else
    sed 's/^/# /' "$tmp/msgfmt.err" >&2
    not_ok "po/$lang.po compiles with msgfmt --check"
  fi
done

echo "1..$n"
exit $fail
