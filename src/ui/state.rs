//! What the window keeps for one open model besides the document itself: pan/zoom per scope,
//! minimap textures, the Run form, the search field and the tensor panel. Replaced whole when
//! another model opens, so nothing needs resetting by hand.

use std::collections::HashMap;

use super::canvas::ViewState;
use super::panels::run::RunForm;
use crate::document::{Document, InitializerError, TensorSummary};
use crate::jobs::Job;
use crate::model::GraphId;

pub struct OpenDocument {
    pub doc: Document,
    pub views: HashMap<GraphId, ViewState>,
    /// Minimap textures, uploaded once per laid-out scope.
    pub overviews: HashMap<GraphId, egui::TextureHandle>,
    pub run_form: RunForm,
    pub search_text: String,
    pub tensor_job: Job<TensorSummary, InitializerError>,
    pub tensor: Option<TensorSummary>,
    pub tensor_page: usize,
}

impl OpenDocument {
    pub fn new(doc: Document) -> OpenDocument {
        OpenDocument {
            run_form: RunForm::for_model(&doc.model),
            doc,
            views: HashMap::new(),
            overviews: HashMap::new(),
            search_text: String::new(),
            tensor_job: Job::default(),
            tensor: None,
            tensor_page: 0,
        }
    }

    pub fn busy(&self) -> bool {
        self.doc.busy() || self.tensor_job.is_pending()
    }

    /// Shows a tensor in the tensor panel from its first page.
    pub fn show_tensor(&mut self, t: TensorSummary) {
        self.tensor = Some(t);
        self.tensor_page = 0;
    }
}
