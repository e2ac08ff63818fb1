//! The tensor panel: statistics, histogram, paged values and saving as `.npy`, of an
//! initializer or a run output (summarised on a worker).

use egui::{Color32, RichText, Ui};

use crate::document::TensorSummary;
use crate::ui::commands::Command;

/// Values per page.
const PAGE: usize = 64;

pub fn show(ui: &mut Ui, t: &TensorSummary, page: &mut usize, out: &mut Vec<Command>) {
    ui.heading(format!("tensor {}", t.name));
    let dims: Vec<String> = t.tensor.dims.iter().map(|d| d.to_string()).collect();
    ui.label(
        RichText::new(format!(
            "{} [{}]  ({} elements)",
            t.tensor.dtype,
            dims.join("×"),
            t.tensor.element_count()
        ))
        .monospace(),
    );
    if let Some(s) = t.stats {
        egui::Grid::new("tensor-stats")
            .num_columns(4)
            .show(ui, |ui| {
                ui.label("min");
                ui.label(crate::ui::widgets::number(s.min));
                ui.label("max");
                ui.label(crate::ui::widgets::number(s.max));
                ui.end_row();
                ui.label("mean");
                ui.label(crate::ui::widgets::number(s.mean));
                ui.label("std");
                ui.label(crate::ui::widgets::number(s.std));
                ui.end_row();
                ui.label("NaN");
                ui.label(s.nan_count.to_string());
                ui.label("Inf");
                ui.label(s.inf_count.to_string());
                ui.end_row();
                ui.label("zeros");
                ui.label(format!("{:.1}%", s.zero_fraction * 100.0));
                ui.end_row();
            });
    }
    if !t.histogram.is_empty() {
        let width = if t.histogram.len() > 1 {
            t.histogram[1].0 - t.histogram[0].0
        } else {
            1.0
        };
        let bars: Vec<egui_plot::Bar> = t
            .histogram
            .iter()
            .map(|&(x, c)| egui_plot::Bar::new(x, c).width(width * 0.95))
            .collect();
        egui_plot::Plot::new(("histogram", &t.name))
            .height(140.0)
            .allow_scroll(false)
            .allow_drag(false)
            .show(ui, |plot| {
                plot.bar_chart(
                    egui_plot::BarChart::new("values", bars).color(Color32::from_rgb(51, 85, 136)),
                )
            });
    }
    let n = t.tensor.element_count();
    let pages = n.div_ceil(PAGE).max(1);
    ui.horizontal(|ui| {
        if ui.small_button("◀").clicked() && *page > 0 {
            *page -= 1;
        }
        ui.label(format!(
            "values {}–{} of {n}",
            (*page * PAGE).min(n),
            ((*page + 1) * PAGE).min(n)
        ));
        if ui.small_button("▶").clicked() && *page + 1 < pages {
            *page += 1;
        }
        if ui.button("save .npy").clicked() {
            out.push(Command::SaveTensor);
        }
    });
    *page = (*page).min(pages - 1);
    let start = *page * PAGE;
    let text: Vec<String> = (start..(start + PAGE).min(n))
        .map(|i| t.tensor.values.format(i))
        .collect();
    ui.label(RichText::new(text.join("  ")).monospace().size(11.0));
}
