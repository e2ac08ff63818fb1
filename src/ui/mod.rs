//! The desktop viewer (eframe/egui). Paints state and returns commands; every computation
//! lives in the library (`document` and the pipeline before it) and runs on job threads.

pub mod app;
pub mod canvas;
pub mod commands;
pub mod compare;
pub mod dialog;
pub mod fonts;
pub mod neighbourhood;
pub mod panels;
pub mod path_prompt;
pub mod state;
pub mod style;
pub mod widgets;

use std::path::PathBuf;

pub use app::{EframeApp, LensApp};

/// Opens the window, optionally loading `file`.
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("onnx-lens")
            .with_inner_size([1400.0, 900.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "onnx-lens",
        options,
        Box::new(move |cc| {
            let recent = LensApp::recent_from_storage(cc.storage);
            let mut app = LensApp::new(Box::new(dialog::RfdDialog), recent);
            app.settings = app::Settings::from_storage(cc.storage);
            if let Some(f) = file {
                app.open_path(f);
            }
            Ok(Box::new(EframeApp(app)))
        }),
    )
    .map_err(|e| e.to_string())
}
