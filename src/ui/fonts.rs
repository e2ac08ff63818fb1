//! Fonts of the window: egui's defaults plus a fallback with the symbols they lack (arrows,
//! ▸ ◀ ▶, ⚠): DejaVu Sans' symbol blocks, bundled under assets/fonts with its licence.

const SYMBOLS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Symbols.ttf");

/// Adds the symbol fallback behind egui's fonts in both families.
pub fn install(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu-symbols".into(),
        std::sync::Arc::new(egui::FontData::from_static(SYMBOLS)),
    );
    // Right after each family's text font, before the emoji fonts: symbols then share one
    // style, and egui's "has a glyph" answers true for them (it answers false for whatever the
    // face holding its replacement glyph ◻ has, the emoji font).
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let list = fonts.families.entry(family).or_default();
        list.insert(list.len().min(1), "dejavu-symbols".into());
    }
    ctx.set_fonts(fonts);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every non-ASCII character in the code outside comments (what panels, the canvas and
    /// reports shown in the window may draw), with where it first occurs.
    fn drawn_characters(dir: &Path, found: &mut Vec<(char, String)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("cli") {
                    drawn_characters(&path, found);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (k, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for c in code.chars().filter(|c| !c.is_ascii()) {
                    if !found.iter().any(|(f, _)| *f == c) {
                        found.push((c, format!("{}:{}", path.display(), k + 1)));
                    }
                }
            }
        }
    }

    #[test]
    fn every_character_the_window_draws_has_a_glyph() {
        let ctx = egui::Context::default();
        super::install(&ctx);
        let mut out = ctx.run_ui(Default::default(), |_| {});
        out.textures_delta.clear();
        let mut chars = Vec::new();
        drawn_characters(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut chars,
        );
        assert!(
            chars.iter().any(|(c, _)| *c == '▸'),
            "the scan sees the menus"
        );
        let missing: Vec<(char, String)> = ctx.fonts_mut(|f| {
            chars
                .into_iter()
                .filter(|(c, _)| !f.has_glyph(&egui::FontId::proportional(12.0), *c))
                .collect()
        });
        assert_eq!(missing, vec![]);
    }
}
