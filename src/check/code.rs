//! Every diagnostic code: its stable name (the JSON `code`), severity, family and one-line
//! description, from one table. A rule names a `Code` variant, so a typo does not compile.

use serde::Serialize;

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $family:literal, $description:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in the order of the README's table.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable name, e.g. `dangling-input`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// The README family it is listed under (`model`, `graph`, `node`, …).
            pub fn family(self) -> &'static str {
                match self {
                    $(Code::$variant => $family,)*
                }
            }

            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }
        }
    };
}

codes! {
    Unreadable = "unreadable", Error, "file", "the file cannot be read as an ONNX model (exit code 2)";
    MissingGraph = "missing-graph", Error, "model", "the model has no main graph";
    IrVersionMissing = "ir-version-missing", Error, "model", "ir_version is unset or not positive";
    IrVersionTooNew = "ir-version-too-new", Error, "model", "ir_version is newer than the onnx release the table came from";
    MissingDefaultOpset = "missing-default-opset", Error, "model", "IR >= 3 and no opset import at all";
    DuplicateMetadataKey = "duplicate-metadata-key", Error, "model", "a metadata_props key appears twice";
    OpsetImportBelowIr3 = "opset-import-below-ir3", Error, "model", "IR < 3 models cannot import opsets (their opset is implicitly ai.onnx 1)";
    DuplicateOpsetImport = "duplicate-opset-import", Warning, "model", "a domain is imported more than once";
    OpsetTooNew = "opset-too-new", Warning, "model", "an opset newer than any this table knows (nodes checked against the newest schemas)";
    IrTooOldForOpset = "ir-too-old-for-opset", Warning, "model", "the IR version predates the imported opset's release";
    UnusedOpsetImport = "unused-opset-import", Warning, "model", "a domain is imported but no node uses it";
    EmptyGraphName = "empty-graph-name", Error, "graph", "a graph has no name";
    EmptyValueName = "empty-value-name", Error, "graph", "a graph input, output, value_info or initializer has no name";
    ValueMissingType = "value-missing-type", Error, "graph", "a graph input/output or value_info has no type";
    ValueMissingElemType = "value-missing-elem-type", Error, "graph", "a tensor type has no element type";
    ValueMissingShape = "value-missing-shape", Error, "graph", "a main-graph input or output tensor has no shape (an empty shape is a scalar)";
    DuplicateInitializer = "duplicate-initializer", Error, "graph", "two initializers share a name";
    InitializerTypeMismatch = "initializer-type-mismatch", Error, "graph", "an initializer contradicts the type of the graph input of the same name";
    InitializerNotInInputs = "initializer-not-in-inputs", Error, "graph", "IR < 4: an initializer is not listed as a graph input";
    SsaViolation = "ssa-violation", Error, "graph", "a value is produced twice (or overwrites an input or initializer)";
    DanglingInput = "dangling-input", Error, "graph", "a node input is produced by nothing in scope (every consumer is named)";
    UnsortedNodes = "unsorted-nodes", Error, "graph", "a node uses a value produced by a later node";
    Cycle = "cycle", Error, "graph", "nodes depend on each other in a cycle (the node path is given)";
    GraphOutputNotProduced = "graph-output-not-produced", Error, "graph", "a graph output is produced by nothing";
    SubgraphInputCount = "subgraph-input-count", Error, "graph", "a subgraph declares other inputs than its If/Loop/Scan provides";
    NoOpsetForDomain = "no-opset-for-domain", Error, "node", "a node's domain is not imported";
    UnknownOp = "unknown-op", Error, "node", "no operator of this name in a known domain";
    OpNotInOpset = "op-not-in-opset", Error, "node", "the operator exists only in later opset versions";
    DeprecatedOp = "deprecated-op", Error, "node", "the operator is deprecated at the imported opset";
    ExperimentalOp = "experimental-op", Warning, "node", "the operator is experimental, or was removed from the standard (onnx only warns)";
    UncheckedOp = "unchecked-op", Warning, "node", "an operator of a custom domain: not checked";
    InputArity = "input-arity", Error, "node", "number of inputs outside the schema's range";
    OutputArity = "output-arity", Error, "node", "number of outputs outside the schema's range";
    EmptyRequiredInput = "empty-required-input", Error, "node", "a required (single) input is empty";
    EmptyRequiredOutput = "empty-required-output", Error, "node", "a required (single) output is empty";
    UnknownAttribute = "unknown-attribute", Error, "node", "an attribute the schema does not define";
    MissingRequiredAttribute = "missing-required-attribute", Error, "node", "a required attribute is absent";
    DuplicateAttribute = "duplicate-attribute", Error, "node", "an attribute appears twice";
    AttributeType = "attribute-type", Error, "node", "an attribute has the wrong type";
    AttributeValueFields = "attribute-value-fields", Error, "node", "an attribute's value fields disagree with its type";
    RefAttrOutsideFunction = "ref-attr-outside-function", Warning, "node", "ref_attr_name outside a function body";
    TypeConstraint = "type-constraint", Error, "node", "an input's element type is not allowed by the schema";
    TypeMismatch = "type-mismatch", Error, "node", "values bound to one type parameter (or declared vs inferred) differ";
    ShapeInference = "shape-inference", Error, "node", "the node breaks its op's shape rules (an axis beyond the rank, too few dims, channels not divisible by group, …)";
    DeclaredShapeMismatch = "declared-shape-mismatch", Error, "node", "what a node produces contradicts the shape the model declares (rank or a fixed dim)";
    TensorUndefinedDtype = "tensor-undefined-dtype", Error, "tensor", "a tensor's data_type is UNDEFINED or unknown";
    TensorNegativeDim = "tensor-negative-dim", Error, "tensor", "a tensor has a negative dimension";
    TensorDimsOverflow = "tensor-dims-overflow", Error, "tensor", "the product of a tensor's dims overflows 64 bits";
    TensorDataLength = "tensor-data-length", Error, "tensor", "data length does not match dims × element size";
    TensorMultipleDataFields = "tensor-multiple-data-fields", Error, "tensor", "more than one data field is set";
    TensorMissingData = "tensor-missing-data", Error, "tensor", "a non-empty tensor has no data";
    TensorDataFieldMismatch = "tensor-data-field-mismatch", Error, "tensor", "data is stored in a field of another type";
    StringInRawData = "string-in-raw-data", Error, "tensor", "string data stored in raw_data";
    ExternalDataInvalid = "external-data-invalid", Error, "tensor", "malformed external_data entries";
    ExternalDataOutsideModelDir = "external-data-outside-model-dir", Error, "tensor", "external data location is absolute or escapes the model folder";
    ExternalDataMissing = "external-data-missing", Error, "tensor", "external data file cannot be opened";
    ExternalDataOutOfRange = "external-data-out-of-range", Error, "tensor", "external data offset/length runs past the file end";
    ExternalTensorHasData = "external-tensor-has-data", Error, "tensor", "an external tensor also stores data inline";
    SparseInvalid = "sparse-invalid", Error, "tensor", "sparse tensor values/indices malformed";
    SparseIndicesOutOfRange = "sparse-indices-out-of-range", Error, "tensor", "a sparse index is outside the dense shape";
    SparseIndicesUnsorted = "sparse-indices-unsorted", Error, "tensor", "sparse indices are not strictly increasing";
    FunctionEmptyName = "function-empty-name", Error, "function", "a local function has no name";
    FunctionMissingDomain = "function-missing-domain", Error, "function", "a local function has no domain";
    FunctionDuplicateInput = "function-duplicate-input", Error, "function", "a function input name repeats";
    FunctionDuplicateOutput = "function-duplicate-output", Error, "function", "a function output name repeats";
    FunctionDuplicateAttribute = "function-duplicate-attribute", Error, "function", "a function attribute name repeats";
    FunctionOpsetMismatch = "function-opset-mismatch", Error, "function", "a function imports another version of a domain than the model";
    RecursiveFunction = "recursive-function", Error, "function", "local functions call themselves, directly or through others (the call path is given)";
    UnusedInitializer = "unused-initializer", Warning, "dead code", "an initializer nothing consumes";
    UnusedInput = "unused-input", Warning, "dead code", "a graph input nothing consumes";
    DeadNode = "dead-node", Warning, "dead code", "a node whose outputs reach no graph output";
    UnusedFunction = "unused-function", Warning, "dead code", "a local function nothing calls";
}

impl Code {
    /// The code of a stable name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// The README's table of codes, one row a code, so a test can check the README against
    /// this table.
    pub fn readme_table() -> String {
        let mut out = String::from("| code | severity | family | meaning |\n|---|---|---|---|\n");
        for c in Code::ALL {
            let severity = match c.severity() {
                Severity::Error => "error",
                Severity::Warning => "*warning*",
            };
            out.push_str(&format!(
                "| `{}` | {severity} | {} | {} |\n",
                c.as_str(),
                c.family(),
                c.description()
            ));
        }
        out
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for c in Code::ALL {
            assert_eq!(Code::from_name(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn readme_lists_exactly_these_codes() {
        let readme = include_str!("../../README.md");
        let table = Code::readme_table();
        assert!(
            readme.contains(&table),
            "README's code table differs from check::Code; it should read:\n{table}"
        );
    }
}
