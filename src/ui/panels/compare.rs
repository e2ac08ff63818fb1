//! The Compare tab: what differs between the open model (A) and the one compared with it (B),
//! each difference a link selecting its nodes on both canvases, and the numeric comparison.

use egui::{RichText, Ui};

use crate::ui::commands::Command;
use crate::ui::compare::{plain_arrows, text_color, Comparison, DIVERGES};

pub fn show(ui: &mut Ui, c: &Comparison, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("B: {}", c.b.doc.model.origin.name)).strong());
        if ui.button("close").clicked() {
            out.push(Command::CloseCompare);
        }
    });
    let Some(d) = &c.diff else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("matching nodes…");
        });
        return;
    };
    for line in d.summary() {
        ui.label(plain_arrows(&line));
    }
    ui.separator();
    ui.horizontal(|ui| {
        let running = c.numeric_running();
        if ui
            .add_enabled(!running, egui::Button::new("▶ Run both"))
            .on_hover_text(
                "A on the inputs chosen in the Run tab, B on the same tensors; outputs and every matched value compared",
            )
            .clicked()
        {
            out.push(Command::RunCompare);
        }
        let mut t = c.tolerance;
        ui.label("rtol");
        let r = ui.add(egui::DragValue::new(&mut t.rtol).range(0.0..=1.0).speed(1e-4));
        ui.label("atol");
        let a = ui.add(egui::DragValue::new(&mut t.atol).range(0.0..=1e3).speed(1e-5));
        if r.changed() || a.changed() {
            out.push(Command::SetCompareTolerance(t));
        }
        if running {
            ui.spinner();
        }
    });
    if let Some(e) = &c.numeric_error {
        ui.colored_label(crate::ui::style::ERROR, e);
    }
    if let Some(n) = &c.numeric {
        let verdict = if n.passed {
            "outputs agree"
        } else {
            "outputs differ"
        };
        ui.label(RichText::new(verdict).strong());
        for o in &n.outputs {
            let x = &o.comparison;
            ui.label(format!(
                "{}: max abs {:.3e}, max rel {:.3e}, {} outside",
                o.a, x.max_abs_error, x.max_rel_error, x.mismatches
            ));
        }
        match &n.first_divergence {
            Some(f) => {
                let text = format!(
                    "first divergence: {} (max abs {:.3e})",
                    f.a_node, f.max_abs_error
                );
                let link = egui::Label::new(RichText::new(text).color(text_color(DIVERGES)))
                    .sense(egui::Sense::click());
                if ui.add(link).clicked() {
                    out.push(Command::SelectDifference {
                        a: c.a_node_of_name(&f.a_node),
                        b: c.b_node_of_name(&f.b_node),
                    });
                }
            }
            None => {
                ui.label(format!(
                    "all {} matched values within tolerance",
                    n.values_compared
                ));
            }
        }
    }
    ui.separator();
    ui.strong("Differences");
    if c.differences.iter().all(|d| d.label.is_empty()) {
        ui.label(RichText::new("none").weak());
    }
    egui::ScrollArea::vertical()
        .id_salt("differences")
        .show(ui, |ui| {
            for d in c.differences.iter().filter(|d| !d.label.is_empty()) {
                let text = RichText::new(plain_arrows(&d.label)).color(text_color(d.color));
                let link = egui::Label::new(text)
                    .truncate()
                    .sense(egui::Sense::click());
                if ui.add(link).clicked() {
                    out.push(Command::SelectDifference { a: d.a, b: d.b });
                }
            }
        });
}
