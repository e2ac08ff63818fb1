//! Everything a panel or the canvas can ask for. Panels read state and return commands; the
//! app applies them (`LensApp::apply`), so there is one place where effects happen.

use std::path::PathBuf;
use std::sync::Arc;

use crate::layout::ItemId;
use crate::model::{GraphId, NodeId, Tensor};
use crate::run::RunRequest;

/// The tabs of the left panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftTab {
    Model,
    Diagnostics,
    Search,
    Axes,
    Run,
    /// Shown while another model is compared with the open one.
    Compare,
}

pub enum Command {
    /// Open a model file.
    Open(PathBuf),
    /// Photos dropped on an open model: they feed its image input on the Run tab.
    DropImages(Vec<PathBuf>),
    /// `.npy`/`.pb` files dropped on an open model: each feeds the input, or is the reference
    /// for the output, its file name names.
    DropTensors(Vec<PathBuf>),
    /// Open a model given as bytes (a drop without a path).
    OpenBytes {
        name: String,
        bytes: Vec<u8>,
    },
    /// Ask the file dialog for a model to open.
    OpenDialog,
    /// Ask the file dialog for a model to compare the open one with.
    CompareDialog,
    /// Compare the open model (A) with this one (B), side by side.
    CompareWith(PathBuf),
    CloseCompare,
    /// Select (and centre) these nodes of A's and B's main graphs (`None`: clear that side).
    SelectDifference {
        a: Option<NodeId>,
        b: Option<NodeId>,
    },
    /// A click on B's canvas: select that item, and its match in A.
    SelectInB(Option<ItemId>),
    /// Run both compared models on the same inputs (the Run tab's choices for A).
    RunCompare,
    /// Tolerances of the numeric comparison.
    SetCompareTolerance(crate::run::Tolerance),
    CancelLoad,
    /// Write the current scope as SVG (to this path, or one the dialog gives).
    ExportSvg(Option<PathBuf>),
    /// Save the canvas as it is on screen as PNG.
    ExportPng(Option<PathBuf>),
    DismissError,
    ShowTab(LeftTab),
    /// Fit the current scope into the canvas.
    FitView,
    /// View ▸ Fold constants into their node (every scope is laid out again).
    FoldConstants(bool),
    /// View ▸ One box per shape computation.
    FoldShapeChains(bool),
    /// View ▸ Initializers / Attributes / Names in boxes.
    SetBoxContent(crate::layout::BoxContent),
    /// Open a collapsed namespace of a scope (its child namespaces stay collapsed).
    ExpandNamespace(GraphId, String),
    /// Draw a namespace of the current scope as one box.
    CollapseNamespace(String),
    CollapseAllNamespaces,
    ExpandAllNamespaces,
    /// Open the neighbourhood view around a node.
    ShowNeighbourhood(GraphId, NodeId),
    /// Light, dark or the system's theme.
    SetTheme(egui::ThemePreference),
    /// Show or hide the category colour legend on the canvas.
    ShowLegend(bool),
    /// Select a node of a scope and centre it.
    FocusNode(GraphId, NodeId),
    SelectValue(GraphId, String),
    /// Select what a canvas item stands for (`None`: clear the selection).
    SelectItem(GraphId, Option<ItemId>),
    /// Select the value an edge carries.
    SelectEdge(GraphId, usize),
    /// Open the subgraph of the node behind a canvas item.
    OpenItem(GraphId, ItemId),
    OpenGraph(GraphId),
    /// Set the search query.
    Search(String),
    /// Decode an initializer and show it in the tensor panel.
    ShowTensor(GraphId, String),
    /// Show a computed tensor (a run output) in the tensor panel.
    InspectTensor(Arc<Tensor>),
    CloseTensor,
    /// Save the tensor panel's tensor as `.npy`.
    SaveTensor,
    /// Save the tensor panel's tensor to this path.
    SaveTensorTo(PathBuf),
    StartRun {
        request: RunRequest,
        expected: crate::document::Expected,
    },
    CancelRun,
    /// Tint the graph by the run's node times, or not.
    ShowHeat(bool),
    /// Mark the nodes the run rewrote for tract on the graph, or not.
    ShowRewrites(bool),
    /// Tint the graph by each node's MACs, or not.
    ShowMacsHeat(bool),
    /// The value a symbolic dim takes in the cost figures.
    SetCostValue(String, f64),
    /// Confirm the axes report by running at two values per symbol.
    StartConfirm,
    CancelConfirm,
}
