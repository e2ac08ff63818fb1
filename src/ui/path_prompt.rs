//! The in-app path field that stands in for the system file dialog where there is none (no
//! desktop portal, no zenity: rfd would return nothing, silently). It says why it is shown,
//! completes from the folder being typed and from recent files, and answers with a command.

use std::path::{Path, PathBuf};

use egui::{Key, RichText, Ui};

use super::commands::Command;

/// What the chosen path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    Compare,
    SaveTensor,
    ExportSvg,
    ExportPng,
}

impl PathPurpose {
    fn title(self) -> &'static str {
        match self {
            PathPurpose::Open => "Open a model",
            PathPurpose::Compare => "Compare with a model",
            PathPurpose::SaveTensor => "Save the tensor as .npy",
            PathPurpose::ExportSvg => "Export the graph as SVG",
            PathPurpose::ExportPng => "Export the view as PNG",
        }
    }

    fn opens(self) -> bool {
        matches!(self, PathPurpose::Open | PathPurpose::Compare)
    }

    /// File names the completion offers (folders always).
    fn offers(self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        match self {
            PathPurpose::Open | PathPurpose::Compare => {
                [".onnx", ".ort", ".pb"].iter().any(|e| lower.ends_with(e))
            }
            PathPurpose::SaveTensor => lower.ends_with(".npy"),
            PathPurpose::ExportSvg => lower.ends_with(".svg"),
            PathPurpose::ExportPng => lower.ends_with(".png"),
        }
    }
}

pub struct PathPrompt {
    pub purpose: PathPurpose,
    pub text: String,
    /// Why there is no system dialog.
    pub reason: String,
    focus: bool,
}

/// Completions shown at most.
const MAX_COMPLETIONS: usize = 12;

impl PathPrompt {
    /// A prompt starting in the current folder (with `file_name` for a save).
    pub fn new(purpose: PathPurpose, reason: String, file_name: &str) -> PathPrompt {
        let mut text = std::env::current_dir()
            .map(|d| format!("{}/", d.display()))
            .unwrap_or_default();
        if !purpose.opens() {
            text.push_str(file_name);
        }
        PathPrompt {
            purpose,
            text,
            reason,
            focus: true,
        }
    }

    /// Paths that complete what is typed: entries of its folder starting with its last part
    /// (folders first, with a trailing `/`), then recent files containing it.
    pub fn completions(&self, recent: &[PathBuf]) -> Vec<String> {
        let typed = self.text.as_str();
        let (dir, stem) = match typed.rfind('/') {
            Some(k) => (&typed[..=k], &typed[k + 1..]),
            None => ("./", typed),
        };
        let mut found: Vec<(bool, String)> = std::fs::read_dir(Path::new(dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let is_dir = e.file_type().ok()?.is_dir();
                let wanted = name.starts_with(stem)
                    && (stem.starts_with('.') || !name.starts_with('.'))
                    && (is_dir || self.purpose.offers(&name));
                let shown = if typed.contains('/') {
                    format!("{dir}{name}")
                } else {
                    name
                };
                wanted.then(|| (!is_dir, if is_dir { format!("{shown}/") } else { shown }))
            })
            .collect();
        found.sort();
        let mut out: Vec<String> = found.into_iter().map(|(_, s)| s).collect();
        if self.purpose.opens() {
            for p in recent {
                let s = p.display().to_string();
                let matches = s.contains(typed.trim_end_matches('/')) || typed.ends_with('/');
                if matches && !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out.truncate(MAX_COMPLETIONS);
        out
    }

    /// Shows the prompt; returns a command once a path is chosen, and whether it stays open.
    pub fn show(&mut self, ctx: &egui::Context, recent: &[PathBuf]) -> (Option<Command>, bool) {
        let mut chosen: Option<PathBuf> = None;
        let mut keep = true;
        egui::Window::new(self.purpose.title())
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui: &mut Ui| {
                ui.label(RichText::new(&self.reason).weak());
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.text)
                        .desired_width(520.0)
                        .hint_text("path of the file"),
                );
                if std::mem::take(&mut self.focus) {
                    edit.request_focus();
                }
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                for c in self.completions(recent) {
                    if ui.small_button(&c).clicked() {
                        if c.ends_with('/') {
                            self.text = c;
                            self.focus = true;
                        } else if self.purpose.opens() {
                            chosen = Some(PathBuf::from(&c));
                        } else {
                            self.text = c;
                        }
                    }
                }
                ui.horizontal(|ui| {
                    let verb = if self.purpose.opens() { "Open" } else { "Save" };
                    let ready = !self.text.trim().is_empty() && !self.text.ends_with('/');
                    if ui.add_enabled(ready, egui::Button::new(verb)).clicked() || (enter && ready)
                    {
                        chosen = Some(PathBuf::from(self.text.trim()));
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(Key::Escape)) {
                        keep = false;
                    }
                });
            });
        let command = chosen.map(|p| match self.purpose {
            PathPurpose::Open => Command::Open(p),
            PathPurpose::Compare => Command::CompareWith(p),
            PathPurpose::SaveTensor => Command::SaveTensorTo(p),
            PathPurpose::ExportSvg => Command::ExportSvg(Some(p)),
            PathPurpose::ExportPng => Command::ExportPng(Some(p)),
        });
        let keep = keep && command.is_none();
        (command, keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_models_and_folders_of_the_typed_folder_then_recent_files() {
        let dir = std::env::temp_dir().join(format!("onnx-lens-prompt-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("models")).unwrap();
        for f in ["mobilenet.onnx", "mnist.onnx", "notes.txt", "m.npy"] {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        let mut p = PathPrompt::new(PathPurpose::Open, String::new(), "");
        p.text = format!("{}/m", dir.display());
        let recent = vec![PathBuf::from("/elsewhere/m-old.onnx")];
        let d = dir.display();
        assert_eq!(
            p.completions(&recent),
            vec![
                format!("{d}/models/"),
                format!("{d}/mnist.onnx"),
                format!("{d}/mobilenet.onnx"),
            ]
        );
        p.text = "/elsewhere/m-old".into();
        assert_eq!(
            p.completions(&recent),
            vec!["/elsewhere/m-old.onnx".to_string()]
        );
        let mut s = PathPrompt::new(PathPurpose::SaveTensor, String::new(), "x.npy");
        s.text = format!("{}/", dir.display());
        assert_eq!(
            s.completions(&[]),
            vec![format!("{d}/models/"), format!("{d}/m.npy")]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
