//! The Search tab: a query over node names, op types and value names of every scope. The
//! document finds the hits once per query; this lists them.

use egui::Ui;

use crate::document::Document;
use crate::ui::commands::Command;
use crate::ui::widgets::count;

/// `text` is the field's contents (the window's); `focus` asks for keyboard focus once.
pub fn show(
    ui: &mut Ui,
    doc: &Document,
    text: &mut String,
    focus: &mut bool,
    out: &mut Vec<Command>,
) {
    let edit = ui.add(egui::TextEdit::singleline(text).hint_text("node, op type or tensor name"));
    if std::mem::take(focus) {
        edit.request_focus();
    }
    if text.as_str() != doc.search.query() {
        out.push(Command::Search(text.clone()));
    }
    let s = &doc.search;
    if s.query().is_empty() {
        return;
    }
    let listed = if s.total > s.hits.len() {
        format!(" ({} listed)", s.hits.len())
    } else {
        String::new()
    };
    ui.label(format!("{}{listed}", count(s.total, "match", "matches")));
    egui::ScrollArea::vertical()
        .id_salt("search-results")
        .show(ui, |ui| {
            for h in &s.hits {
                if ui.link(&h.label).clicked() {
                    out.push(Command::FocusNode(h.graph, h.node));
                }
            }
        });
}
