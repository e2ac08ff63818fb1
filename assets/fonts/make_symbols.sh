#!/bin/sh
# Regenerates DejaVuSans-Symbols.ttf: the symbol blocks of DejaVu Sans (Debian's fonts-dejavu-core)
# that egui's default fonts lack (arrows, geometric shapes, ⚠, ✓), added as a fallback font.
# U+25FB stays out: egui treats the face holding its replacement glyph ◻ as "no glyph".
#   apt-get install fonts-dejavu-core && pip install fonttools && sh assets/fonts/make_symbols.sh
set -e
cd "$(dirname "$0")"
pyftsubset /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  --unicodes="U+00A0-00FF,U+2000-206F,U+2070-209F,U+2190-21FF,U+2200-22FF,U+2300-23FF,U+2500-259F,U+25A0-25FA,U+25FC-25FF,U+2600-26FF,U+2700-27BF" \
  --layout-features='' --no-hinting --desubroutinize \
  --output-file=DejaVuSans-Symbols.ttf
