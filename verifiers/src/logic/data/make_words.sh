#!/usr/bin/env bash
# Rebuild the word_ladder word lists from Debian's SCOWL packages (see README.md here).
#   words_common.txt: 3-5 letter words of `wamerican` (SCOWL size 50): the generator draws from these.
#   words_extra.txt:  3-5 letter words of `wamerican-huge` (a larger SCOWL selection) not in the common list:
#                     the verifier also accepts these.
# Words with capitals (proper nouns), apostrophes or non-ASCII letters are left out; the lists
# are upper-cased and sorted (LC_ALL=C) so the build is byte-identical.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download wamerican=2020.12.07-2 wamerican-huge=2020.12.07-2 >/dev/null
for f in *.deb; do dpkg-deb -x "$f" x; done
pick() { LC_ALL=C grep -E '^[a-z]{3,5}$' "$1" | tr a-z A-Z | LC_ALL=C sort -u; }
pick x/usr/share/dict/american-english >common
pick x/usr/share/dict/american-english-huge >huge
cp common "$here/words_common.txt"
LC_ALL=C comm -13 common huge >"$here/words_extra.txt"
cp x/usr/share/doc/wamerican/copyright "$here/SCOWL-COPYRIGHT.txt"
wc -l "$here"/words_*.txt
