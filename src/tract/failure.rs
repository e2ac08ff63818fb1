//! tract's errors, parsed once into a value. Nothing outside this module reads tract's text:
//! callers ask for the node, the op, the cause or the symbols a failure names.

use std::fmt;

/// How the work reached tract and did not come back with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// onnx-lens refused to hand the model to tract (a model known to crash or exhaust it).
    Refused,
    /// tract returned an error.
    Error,
    /// tract panicked; the panic was caught.
    Panic,
}

/// One failure of tract, with what its error chain says in parts (boxed: results carrying it
/// stay small). Its fields read through `Deref`: `failure.node`, `failure.cause`.
#[derive(Debug, Clone, PartialEq)]
pub struct TractFailure(Box<FailureParts>);

#[derive(Debug, Clone, PartialEq)]
pub struct FailureParts {
    pub kind: FailureKind,
    /// The ONNX node tract names (its tract name: the node's name, or its first output).
    pub node: Option<String>,
    /// The op tract names beside the node, when it does.
    pub op: Option<String>,
    /// The innermost cause in ONNX words: `Impossible to unify 2352 with 784.`
    pub cause: String,
    /// The first line of the chain with tract's dim wrappers dropped.
    pub headline: String,
    /// Symbols the chain mentions (`Sym(seq)` → `seq`).
    pub symbols: Vec<String>,
    /// The whole chain as tract wrote it.
    pub raw: String,
}

impl std::ops::Deref for TractFailure {
    type Target = FailureParts;
    fn deref(&self) -> &FailureParts {
        &self.0
    }
}

impl TractFailure {
    /// Parses an error chain (`{e:#}` of an anyhow error from tract).
    pub fn from_error(e: &anyhow::Error) -> TractFailure {
        TractFailure::parse(FailureKind::Error, format!("{e:#}"))
    }

    /// A caught panic's payload.
    pub fn from_panic(payload: &Box<dyn std::any::Any + Send>) -> TractFailure {
        let text = crate::jobs::panic_text(payload);
        let mut f = TractFailure::parse(FailureKind::Panic, format!("tract panicked: {text}"));
        f.0.cause = format!("tract panicked: {}", tidy(&text));
        f
    }

    /// onnx-lens's own refusal, with the node it concerns.
    pub fn refused(node: Option<String>, why: String) -> TractFailure {
        TractFailure(Box::new(FailureParts {
            kind: FailureKind::Refused,
            node,
            op: None,
            cause: why.clone(),
            headline: why.clone(),
            symbols: vec![],
            raw: why,
        }))
    }

    fn parse(kind: FailureKind, raw: String) -> TractFailure {
        let first = raw.lines().next().unwrap_or("");
        let (node, op) = match node_and_op(&raw) {
            Some((n, o)) => (Some(n), o),
            None => (None, None),
        };
        TractFailure(Box::new(FailureParts {
            kind,
            node,
            op,
            cause: tidy(first.rsplit(": ").next().unwrap_or("")),
            headline: tidy(first),
            symbols: symbols_in(&raw),
            raw,
        }))
    }

    /// Does the chain name `symbol` as a dim (`Sym(symbol)`)?
    pub fn mentions_symbol(&self, symbol: &str) -> bool {
        self.symbols.iter().any(|s| s == symbol)
    }

    /// One line: the failing node and the innermost cause.
    pub fn summary(&self) -> String {
        match &self.node {
            Some(n) => format!("fails at node {n}: {}", self.cause),
            None => self.cause.clone(),
        }
    }
}

impl fmt::Display for TractFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// The node tract names in an error chain (`Evaluating #12 "/fc1/Gemm" Gemm…`, `analyse for
/// node #7 "x" Reshape`), and the op after it when there is one.
fn node_and_op(message: &str) -> Option<(String, Option<String>)> {
    let at = ["Evaluating #", "for node #", "node #"]
        .iter()
        .find_map(|k| message.find(k))?;
    let rest = &message[at..];
    let open = rest.find('"')? + 1;
    let close = rest[open..].find('"')?;
    let node = rest[open..open + close].to_string();
    let after = rest[open + close + 1..].trim_start();
    let op: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some((node, (!op.is_empty()).then_some(op)))
}

/// Symbols named as `Sym(x)` anywhere in the chain, each once.
fn symbols_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("Sym(") {
        let inner = &rest[at + 4..];
        let Some(close) = inner.find(')') else { break };
        let s = inner[..close].to_string();
        if !out.contains(&s) {
            out.push(s);
        }
        rest = &inner[close + 1..];
    }
    out
}

/// tract's text with its dim wrappers dropped: `Sym(seq)` → `seq`, `Val(64)` → `64`.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = ["Val(", "Sym("].iter().filter_map(|k| rest.find(k)).min() {
        out.push_str(&rest[..at]);
        let inner = &rest[at + 4..];
        match inner.find(')') {
            Some(close) => {
                out.push_str(&inner[..close]);
                rest = &inner[close + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_node_op_cause_and_symbols() {
        let e = anyhow::anyhow!("unify MulInt(784, Sym(batch_size)) with Val(784).")
            .context(r#"Failed analyse for node #7 "/fc1/Gemm" Gemm"#);
        let f = TractFailure::from_error(&e);
        assert_eq!(f.node.as_deref(), Some("/fc1/Gemm"));
        assert_eq!(f.op.as_deref(), Some("Gemm"));
        assert_eq!(f.cause, "unify MulInt(784, batch_size) with 784.");
        assert_eq!(f.symbols, vec!["batch_size".to_string()]);
        assert!(f.mentions_symbol("batch_size"));
        assert!(!f.mentions_symbol("batch"));
        assert_eq!(
            f.summary(),
            "fails at node /fc1/Gemm: unify MulInt(784, batch_size) with 784."
        );

        let e = anyhow::anyhow!("Evaluating #3 \"x.y\" Reshape: bad");
        let f = TractFailure::from_error(&e);
        assert_eq!(f.node.as_deref(), Some("x.y"));
        assert_eq!(f.op.as_deref(), Some("Reshape"));
        assert_eq!(f.cause, "bad");

        let f = TractFailure::from_error(&anyhow::anyhow!("no node here"));
        assert_eq!((f.node.clone(), f.op.clone()), (None, None));
    }
}

thread_local! {
    /// Set while tract runs under `catch_quietly`: its panics become failures, not stderr lines.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (a call into tract), catching a panic without the default hook printing it: the
/// caller turns it into a `TractFailure` in its report. Panics elsewhere print as before.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    out
}
