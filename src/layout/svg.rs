//! The whole laid-out graph as a standalone SVG (Netron's look: category-coloured headers,
//! initializer rows, curved edges with shape labels).

use std::fmt::Write;

use super::scene::{HEADER_H, ROW_H};
use super::{ItemKind, LaidOutGraph};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The whole graph as SVG; `labels` (value name → shape text) overrides the declared edge labels
/// with inferred shapes.
pub fn to_svg(
    g: &LaidOutGraph,
    labels: Option<&std::collections::HashMap<String, String>>,
) -> String {
    let b = g.layout.bounds;
    let pad = 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{} {} {} {}" width="{}" height="{}" font-family="sans-serif">"#,
        b.x - pad,
        b.y - pad,
        b.w + 2.0 * pad,
        b.h + 2.0 * pad,
        b.w + 2.0 * pad,
        b.h + 2.0 * pad
    );
    let _ = writeln!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1e1e1e"/></marker></defs>"##
    );
    let _ = writeln!(
        s,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="white"/>"#,
        b.x - pad,
        b.y - pad,
        b.w + 2.0 * pad,
        b.h + 2.0 * pad
    );
    for (route, e) in g.layout.edges.iter().zip(&g.view.edges) {
        let mut d = format!("M{:.1},{:.1}", route[0].0, route[0].1);
        for w in route.windows(2) {
            let (a, c) = (w[0], w[1]);
            let dy = ((c.1 - a.1) / 2.0).max(4.0);
            let _ = write!(
                d,
                " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                a.0,
                a.1 + dy,
                c.0,
                c.1 - dy,
                c.0,
                c.1
            );
        }
        let _ = writeln!(
            s,
            r##"<path d="{d}" fill="none" stroke="#1e1e1e" stroke-width="1" marker-end="url(#arrow)"/>"##
        );
        if route.len() >= 2 {
            let k = (route.len() - 1) / 2;
            let (a, c) = (route[k], route[k + 1]);
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" dominant-baseline="middle">{}</text>"#,
                (a.0 + c.0) / 2.0 + 4.0,
                (a.1 + c.1) / 2.0,
                esc(labels.and_then(|m| m.get(&e.value)).unwrap_or(&e.label))
            );
        }
    }
    for (item, r) in g.view.items.iter().zip(&g.layout.items) {
        match &item.kind {
            ItemKind::Input(_) | ItemKind::Output(_) => {
                let _ = writeln!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{:.1}" fill="#eeeeee" stroke="#282828"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" dominant-baseline="middle">{}</text>"##,
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.h / 2.0,
                    r.x + r.w / 2.0,
                    r.y + r.h / 2.0,
                    esc(&item.title)
                );
            }
            ItemKind::Node(_) | ItemKind::Group(_) | ItemKind::ShapeComputation(_) => {
                let _ = writeln!(
                    s,
                    r##"<g><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="4" fill="white" stroke="#282828"/><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="4" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="12.5" fill="{}" dominant-baseline="middle">{}</text>"##,
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.x,
                    r.y,
                    r.w,
                    HEADER_H,
                    {
                        let [r, g, b] = item.header_rgb();
                        format!("rgb({r},{g},{b})")
                    },
                    r.x + 7.0,
                    r.y + HEADER_H / 2.0,
                    if item.light_header() {
                        "black"
                    } else {
                        "white"
                    },
                    esc(&item.title)
                );
                for (k, row) in item.rows.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        r##"<text x="{:.1}" y="{:.1}" font-size="10.5" dominant-baseline="middle"><tspan font-weight="bold">{}</tspan><tspan fill="#464646">{}</tspan></text>"##,
                        r.x + 7.0,
                        r.y + HEADER_H + 3.0 + ROW_H * k as f32 + ROW_H / 2.0,
                        esc(&row.name),
                        esc(&row.detail)
                    );
                }
                s.push_str("</g>\n");
            }
        }
    }
    s.push_str("</svg>\n");
    s
}
