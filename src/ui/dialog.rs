//! File dialogs behind a small trait: the app uses rfd, tests use a scripted stand-in, so no test
//! ever opens a real dialog (rfd needs a desktop portal and returns None headless).

use std::path::PathBuf;

pub trait FileDialog {
    fn pick_model(&mut self) -> Option<PathBuf>;
    fn save_file(&mut self, suggested_name: &str, extension: &str) -> Option<PathBuf>;
}

/// The native dialogs.
pub struct RfdDialog;

impl FileDialog for RfdDialog {
    fn pick_model(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .add_filter("ONNX model", &["onnx", "ort", "pb"])
            .add_filter("All files", &["*"])
            .pick_file()
    }

    fn save_file(&mut self, suggested_name: &str, extension: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_file_name(suggested_name)
            .add_filter(extension, &[extension])
            .save_file()
    }
}

/// Answers from a queue: for tests and scripted captures.
#[derive(Default)]
pub struct ScriptedDialog {
    pub picks: Vec<PathBuf>,
    pub saves: Vec<PathBuf>,
}

impl FileDialog for ScriptedDialog {
    fn pick_model(&mut self) -> Option<PathBuf> {
        (!self.picks.is_empty()).then(|| self.picks.remove(0))
    }
    fn save_file(&mut self, _: &str, _: &str) -> Option<PathBuf> {
        (!self.saves.is_empty()).then(|| self.saves.remove(0))
    }
}
