//! Server-side SVG charts and maps. They use presentation attributes only (no CSS classes), so that the
//! web page and the PDF, which draws the very same SVG, show the same thing.

use std::collections::HashMap;
use std::fmt::Write;

use territoires_domain::fr::month_short;
use territoires_domain::map::INSETS;
use territoires_store::registry::territories::MapShape;
use time::{Date, Month};

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
/// Colour of the hatching of unknown values.
pub const UNKNOWN: &str = "#929292";

/// The classes of a map legend over `values` (positive): each distinct value its own class when there are
/// at most five, else five classes of about equal size. Returns the upper bound of each class and its
/// label; a class never reads "1 à 1".
pub fn classes(values: &[f64], format: impl Fn(f64) -> String) -> Vec<(f64, String)> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
    sorted.sort_by(f64::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();
    if distinct.len() <= SCALE.len() {
        return distinct.into_iter().map(|v| (v, format(v))).collect();
    }
    let mut uppers: Vec<f64> = (1..=SCALE.len())
        .map(|k| sorted[(sorted.len() * k / SCALE.len()).saturating_sub(1)])
        .collect();
    uppers.dedup();
    let mut lower = sorted[0];
    uppers
        .into_iter()
        .map(|upper| {
            let label = if format(lower) == format(upper) {
                format(upper)
            } else {
                format!("{} à {}", format(lower), format(upper))
            };
            // The next class starts just above this one's upper bound.
            lower = sorted.iter().copied().find(|v| *v > upper).unwrap_or(upper);
            (upper, label)
        })
        .collect()
}

/// The class of a value among [`classes`]' upper bounds.
pub fn class_of(value: f64, uppers: &[(f64, String)]) -> usize {
    uppers
        .iter()
        .position(|(u, _)| value <= *u)
        .unwrap_or(uppers.len().saturating_sub(1))
}

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

/// One series of a step chart: its value from each day on.
pub struct StepSeries<'a> {
    /// Legend.
    pub label: &'a str,
    /// Colour.
    pub color: &'a str,
    /// (day, value from that day, `None` while unknown); drawn from its first known step to the chart's end,
    /// with a gap where it is unknown.
    pub steps: Vec<(Date, Option<f64>)>,
    /// Dashed, for a reference series (e.g. the territories counted).
    pub dashed: bool,
    /// Line width: series drawn first are wider, so that one hidden under a later one still shows.
    pub width: f64,
}

/// The ticks of a time axis from `from` to `to`, labelled the French way: years over long spans
/// (`2020`), quarters (`janv. 2020`, `avr. 2020`) or months over short ones.
pub fn time_ticks(from: Date, to: Date) -> Vec<(Date, String)> {
    let days = (to - from).whole_days();
    let step_months = if days > 3 * 366 {
        12
    } else if days > 366 {
        3
    } else {
        1
    };
    let mut ticks = Vec::new();
    let (mut year, mut month) = (from.year(), from.month() as u8);
    // First day of the next month on the step's grid.
    loop {
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
        if (month - 1) % step_months == 0 {
            break;
        }
    }
    loop {
        let m = Month::try_from(month).expect("1 to 12");
        let day = Date::from_calendar_date(year, m, 1).expect("first of the month");
        if day > to {
            break;
        }
        let label = if step_months == 12 {
            year.to_string()
        } else {
            format!("{} {year}", month_short(m))
        };
        ticks.push((day, label));
        month += step_months;
        while month > 12 {
            month -= 12;
            year += 1;
        }
    }
    ticks
}

/// A step chart over time from `from` to `to`: counts and amounts change on the days something happened,
/// and stay flat in between. A series starts where its first step does (before, its value is unknown).
pub fn step_chart(
    aria: &str,
    from: Date,
    to: Date,
    series: &[StepSeries<'_>],
    format: impl Fn(f64) -> String,
) -> String {
    let (w, h) = (640.0, 270.0);
    let (left, right, top, bottom) = (78.0, 20.0, 40.0, 40.0);
    let max = series
        .iter()
        .flat_map(|s| s.steps.iter().filter_map(|(_, v)| *v))
        .fold(0.0_f64, f64::max);
    // Four gridlines a round step apart (1, 2 or 5 times a power of ten): counts never get a 1.25 tick.
    let max = 4.0 * nice_step(max / 4.0);
    let span = ((to - from).whole_days()).max(1) as f64;
    let x = |d: Date| {
        left + (w - left - right) * ((d - from).whole_days() as f64 / span).clamp(0.0, 1.0)
    };
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
    let ticks = time_ticks(from, to);
    // At most about eight labels, whatever the span.
    let every = ticks.len().div_ceil(8).max(1);
    for (i, (day, label)) in ticks.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="{GRID}" stroke-width="1"/>"#,
            h - bottom,
            h - bottom + 4.0,
            x = x(*day)
        );
        if i % every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="{TEXT}">{}</text>"#,
                x(*day),
                h - bottom + 16.0,
                escape(label)
            );
        }
    }
    let mut legend_x = left;
    for s in series {
        // One path per known stretch: a gap where the value is unknown.
        let mut d = String::new();
        let mut open = false;
        for (k, &(day, v)) in s.steps.iter().enumerate() {
            let until = s.steps.get(k + 1).map_or(to, |n| n.0);
            match v {
                Some(v) => {
                    if open {
                        let _ = write!(d, " V{:.1}", y(v));
                    } else {
                        let _ = write!(d, " M{:.1},{:.1}", x(day), y(v));
                        open = true;
                    }
                    let _ = write!(d, " H{:.1}", x(until));
                }
                None => open = false,
            }
        }
        if !d.is_empty() {
            let dash = if s.dashed {
                r#" stroke-dasharray="5 4""#
            } else {
                ""
            };
            let _ = write!(
                svg,
                r#"<path d="{}" fill="none" stroke="{}" stroke-width="{}"{dash}/>"#,
                d.trim_start(),
                s.color,
                s.width
            );
        }
        let _ = write!(
            svg,
            r#"<rect x="{legend_x:.1}" y="10" width="14" height="14" fill="{}"/><text x="{:.1}" y="21" font-size="12" fill="{TEXT}">{}</text>"#,
            s.color,
            legend_x + 20.0,
            escape(s.label)
        );
        legend_x += 34.0 + s.label.chars().count() as f64 * 6.4;
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
    /// The records behind the bar.
    pub href: Option<String>,
}

/// A horizontal bar chart.
pub fn bar_chart(aria: &str, bars: &[Bar], color: &str) -> String {
    let row = 26.0;
    let (w, label_w, value_w) = (640.0, 230.0, 170.0);
    let h = row * bars.len().max(1) as f64 + 8.0;
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let mut svg = if bars.iter().any(|b| b.href.is_some()) {
        header(w, h, aria).replacen(r#"role="img""#, r#"role="group""#, 1)
    } else {
        header(w, h, aria)
    };
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let len = if max > 0.0 {
            (w - label_w - value_w) * b.value / max
        } else {
            0.0
        };
        if let Some(href) = &b.href {
            let _ = write!(svg, r#"<a href="{}">"#, escape(href));
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" font-size="12" text-anchor="end" fill="{TEXT}">{}</text><rect x="{label_w}" y="{:.1}" width="{len:.1}" height="{}" fill="{color}"><title>{}</title></rect><text x="{:.1}" y="{:.1}" font-size="12" fill="{TEXT}">{}</text>"#,
            label_w - 8.0,
            y + 16.0,
            escape(&shorten(&b.label, 36)),
            y + 3.0,
            row - 8.0,
            escape(&format!("{} : {}", b.label, b.value_label)),
            label_w + len + 6.0,
            y + 16.0,
            escape(&b.value_label)
        );
        if b.href.is_some() {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The colour of a map area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Nothing to show (no value, or none recorded).
    Empty,
    /// The value is unknown (e.g. projects without any funding line): hatched.
    Unknown,
    /// A class of the scale.
    Class(usize),
}

/// A map of territories coloured by `fills` (by territory code; absent: empty), each linked to `hrefs`,
/// over the regions, in `view_box`.
pub fn choropleth(
    aria: &str,
    view_box: &str,
    regions: &[MapShape],
    territories: &[MapShape],
    fills: &HashMap<String, Fill>,
    hrefs: &HashMap<String, String>,
    insets: bool,
) -> String {
    // Its areas are links: a group, not an image (whose content assistive technologies would skip).
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}" role="{}" aria-label="{}" font-family="{FONT}">"#,
        if hrefs.is_empty() { "img" } else { "group" },
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
    let _ = write!(
        svg,
        r##"<defs><pattern id="inconnu" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{EMPTY}"/><line x1="0" y1="0" x2="0" y2="6" stroke="{UNKNOWN}" stroke-width="2"/></pattern></defs>"##
    );
    for t in territories {
        let fill = match fills.get(&t.code).copied().unwrap_or(Fill::Empty) {
            Fill::Class(c) => SCALE[c.min(SCALE.len() - 1)].to_owned(),
            Fill::Unknown => "url(#inconnu)".to_owned(),
            Fill::Empty => EMPTY.to_owned(),
        };
        let path = format!(
            r##"<path d="{}" fill="{fill}" stroke="#ffffff" stroke-width="0.4"><title>{}</title></path>"##,
            t.overview_path,
            escape(&t.name)
        );
        match hrefs.get(&t.code) {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{path}</a>"#, escape(href));
            }
            None => svg.push_str(&path),
        }
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

/// The smallest step of 1, 2 or 5 times a power of ten (at least 1) at or above `v`.
fn nice_step(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
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
                href: Some("/bilan/enregistrements?a=1&b=2".into()),
            }],
            BLUE,
        );
        assert!(svg.contains("R&amp;D &lt;1&gt;"), "{svg}");
        assert!(
            svg.contains(r#"<a href="/bilan/enregistrements?a=1&amp;b=2">"#),
            "{svg}"
        );
    }

    #[test]
    fn a_step_chart_draws_one_path_per_series_with_french_months() {
        use time::macros::date;
        let svg = step_chart(
            "évolution",
            date!(2019 - 01 - 01),
            date!(2019 - 12 - 31),
            &[StepSeries {
                label: "Engagé",
                color: BLUE,
                steps: vec![
                    (date!(2019 - 01 - 01), None),
                    (date!(2019 - 03 - 01), Some(1.0)),
                    (date!(2019 - 06 - 01), Some(3.0)),
                ],
                dashed: false,
                width: 2.5,
            }],
            |v| format!("{v}"),
        );
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(
            svg.contains(" H") && svg.contains(" V"),
            "steps, not slopes: {svg}"
        );
        assert!(
            svg.contains("févr. 2019") && svg.contains("déc. 2019"),
            "{svg}"
        );
        assert!(!svg.contains("1.25"), "round gridlines: {svg}");
        assert_eq!(nice_step(0.75), 1.0);
        assert_eq!(nice_step(30.0), 50.0);
        let years = time_ticks(date!(2018 - 11 - 22), date!(2024 - 06 - 01));
        assert_eq!(years.first().map(|t| t.1.as_str()), Some("2019"));
    }

    #[test]
    fn legends_never_read_one_to_one() {
        let few = classes(&[1.0, 1.0, 2.0, 5.0], |v| format!("{v}"));
        assert_eq!(
            few.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            ["1", "2", "5"]
        );
        let many: Vec<f64> = [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 40]
            .iter()
            .map(|v| f64::from(*v))
            .collect();
        let c = classes(&many, |v| format!("{v}"));
        assert!(
            c.iter().all(|(_, l)| {
                let parts: Vec<&str> = l.split(" à ").collect();
                parts.len() == 1 || parts[0] != parts[1]
            }),
            "{c:?}"
        );
        assert_eq!(class_of(40.0, &c), c.len() - 1);
        assert_eq!(class_of(1.0, &c), 0);
    }
}
