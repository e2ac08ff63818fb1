//! File dialogs behind a small trait: the app uses rfd, tests use a scripted stand-in, so no test
//! ever opens a real dialog (rfd needs a desktop portal and returns None headless).

use std::path::PathBuf;

pub trait FileDialog {
    fn pick_model(&mut self) -> Option<PathBuf>;
    fn save_file(&mut self, suggested_name: &str, extension: &str) -> Option<PathBuf>;
    /// Why no dialog can be shown here, if so (the window then asks for a path itself).
    fn unavailable(&self) -> Option<String> {
        None
    }
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

    fn unavailable(&self) -> Option<String> {
        native_dialog_missing()
    }
}

/// rfd on Linux asks the XDG desktop portal over the D-Bus session bus, else runs zenity;
/// with neither it returns nothing at once. Says so, or None where a dialog can appear.
fn native_dialog_missing() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let on_path = |exe: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(exe).is_file()))
    };
    let session_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
    let portal = [
        "/usr/libexec/xdg-desktop-portal",
        "/usr/lib/xdg-desktop-portal/xdg-desktop-portal",
        "/usr/lib/xdg-desktop-portal",
    ]
    .iter()
    .any(|p| std::path::Path::new(p).is_file());
    if on_path("zenity") || (session_bus && portal) {
        return None;
    }
    let why = match (session_bus, portal) {
        (false, _) => "no D-Bus session bus",
        (true, false) => "xdg-desktop-portal is not installed",
        (true, true) => unreachable!(),
    };
    Some(format!(
        "No system file dialog here ({why}, and no zenity): type the path instead. \
         `apt-get install xdg-desktop-portal-gtk` or `zenity` brings the dialog back."
    ))
}

/// Answers from a queue: for tests and scripted captures.
#[derive(Default)]
pub struct ScriptedDialog {
    pub picks: Vec<PathBuf>,
    pub saves: Vec<PathBuf>,
    /// Plays a system without dialogs (the reason given).
    pub missing: Option<String>,
}

impl FileDialog for ScriptedDialog {
    fn pick_model(&mut self) -> Option<PathBuf> {
        (!self.picks.is_empty()).then(|| self.picks.remove(0))
    }
    fn save_file(&mut self, _: &str, _: &str) -> Option<PathBuf> {
        (!self.saves.is_empty()).then(|| self.saves.remove(0))
    }
    fn unavailable(&self) -> Option<String> {
        self.missing.clone()
    }
}
