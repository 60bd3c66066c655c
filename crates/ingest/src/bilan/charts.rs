//! Server-side SVG charts and maps. They use presentation attributes only (no CSS classes), so that the
//! web page and the PDF, which draws the very same SVG, show the same thing.

use std::collections::HashMap;
use std::fmt::Write;

use territoires_domain::map::INSETS;
use territoires_store::territories::MapShape;

/// The typeface of the State design system, embedded in the PDF and served with the site.
pub const FONT: &str = "Marianne, Arial, sans-serif";
/// Blue France, the DSFR's main colour.
pub const BLUE: &str = "#000091";
/// Second colour of the charts (DSFR "tilleul verveine" dark).
pub const GREEN: &str = "#66673d";
const GRID: &str = "#dddddd";
const TEXT: &str = "#3a3a3a";
/// Classes of a choropleth, light to dark (DSFR blue France scale), and the colour of "nothing".
pub const SCALE: [&str; 5] = ["#e3e3fd", "#cacafb", "#8585f6", "#313178", "#000091"];
/// Colour of territories with no value.
pub const EMPTY: &str = "#f0f0f0";

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One series of a line chart.
pub struct Series<'a> {
    /// Legend.
    pub label: &'a str,
    /// Colour.
    pub color: &'a str,
    /// One value per x label.
    pub values: Vec<f64>,
}

/// A line chart over dates (x labels), with a legend and a y axis formatted by `format`.
pub fn line_chart(
    aria: &str,
    x_labels: &[String],
    series: &[Series<'_>],
    format: impl Fn(f64) -> String,
) -> String {
    let (w, h) = (640.0, 260.0);
    let (left, right, top, bottom) = (78.0, 34.0, 34.0, 40.0);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let max = nice_ceiling(max);
    let n = x_labels.len().max(2);
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1) as f64;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - if max > 0.0 { v / max } else { 0.0 });
    let mut svg = header(w, h, aria);
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r#"<line x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="{GRID}" stroke-width="1"/><text x="{tx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="{TEXT}">{label}</text>"#,
            y = y(v),
            x2 = w - right,
            tx = left - 6.0,
            ty = y(v) + 4.0,
            label = escape(&format(v))
        );
    }
    // About six date labels, whatever the number of points.
    let step = (x_labels.len() / 6).max(1);
    for (i, label) in x_labels.iter().enumerate() {
        if i % step == 0 || i + 1 == x_labels.len() {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="{TEXT}">{}</text>"#,
                x(i),
                h - bottom + 16.0,
                escape(label)
            );
        }
    }
    for (k, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>"#,
            points.join(" "),
            s.color
        );
        let lx = left + 200.0 * k as f64;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="8" width="14" height="14" fill="{}"/><text x="{}" y="19" font-size="12" fill="{TEXT}">{}</text>"#,
            s.color,
            lx + 20.0,
            escape(s.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of a bar chart.
pub struct Bar {
    /// Label on the left.
    pub label: String,
    /// Length.
    pub value: f64,
    /// Text after the bar.
    pub value_label: String,
}

/// A horizontal bar chart.
pub fn bar_chart(aria: &str, bars: &[Bar], color: &str) -> String {
    let row = 26.0;
    let (w, label_w, value_w) = (640.0, 230.0, 170.0);
    let h = row * bars.len().max(1) as f64 + 8.0;
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let mut svg = header(w, h, aria);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let len = if max > 0.0 {
            (w - label_w - value_w) * b.value / max
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="{TEXT}">{}</text><rect x="{label_w}" y="{:.1}" width="{len:.1}" height="{}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="{TEXT}">{}</text>"#,
            label_w - 8.0,
            y + 16.0,
            escape(&shorten(&b.label, 36)),
            y + 3.0,
            row - 8.0,
            label_w + len + 6.0,
            y + 16.0,
            escape(&b.value_label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A map of territories coloured by class (`None`: no value), over the regions, in `view_box`.
pub fn choropleth(
    aria: &str,
    view_box: &str,
    regions: &[MapShape],
    territories: &[MapShape],
    classes: &HashMap<String, Option<usize>>,
    insets: bool,
) -> String {
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}" role="img" aria-label="{}" font-family="{FONT}">"#,
        escape(aria)
    );
    for r in regions {
        let _ = write!(
            svg,
            r##"<path d="{}" fill="#ffffff" stroke="#929292" stroke-width="0.8"><title>{}</title></path>"##,
            r.overview_path,
            escape(&r.name)
        );
    }
    for t in territories {
        let fill = match classes.get(&t.code).copied().flatten() {
            Some(c) => SCALE[c.min(SCALE.len() - 1)],
            None => EMPTY,
        };
        let _ = write!(
            svg,
            r##"<path d="{}" fill="{fill}" stroke="#ffffff" stroke-width="0.4"><title>{}</title></path>"##,
            t.overview_path,
            escape(&t.name)
        );
    }
    if insets {
        for i in INSETS {
            let (x, y, w, h) = i.frame;
            let _ = write!(
                svg,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#929292" stroke-width="0.8"/><text x="{}" y="{}" font-size="14" fill="{TEXT}">{}</text>"##,
                x,
                y,
                w,
                h,
                x,
                y + h + 16.0,
                escape(i.name)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn header(w: f64, h: f64, aria: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}" font-family="{FONT}">"#,
        escape(aria)
    )
}

/// The smallest "round" number (1, 2 or 5 times a power of ten) at or above `v`.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * magnitude)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_axes_are_round() {
        let svg = bar_chart(
            "x",
            &[Bar {
                label: "R&D <1>".into(),
                value: 1.0,
                value_label: "1".into(),
            }],
            BLUE,
        );
        assert!(svg.contains("R&amp;D &lt;1&gt;"), "{svg}");
        assert_eq!(nice_ceiling(870.0), 1000.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
    }

    #[test]
    fn a_line_chart_has_one_polyline_per_series() {
        let labels = vec!["2019".to_owned(), "2020".to_owned(), "2021".to_owned()];
        let svg = line_chart(
            "évolution",
            &labels,
            &[
                Series {
                    label: "Engagé",
                    color: BLUE,
                    values: vec![0.0, 5.0, 10.0],
                },
                Series {
                    label: "Versé",
                    color: GREEN,
                    values: vec![0.0, 1.0, 4.0],
                },
            ],
            |v| format!("{v}"),
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("Versé"));
    }
}
