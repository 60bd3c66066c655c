//! The bilan as a PDF for steering committees: A4 pages laid out as SVG (text, the same charts and map as
//! the web page, tables), drawn by krilla with the Marianne typeface embedded. Text stays selectable.

use std::fmt::Write;
use std::sync::OnceLock;

use krilla::geom::Size;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;
use krilla_svg::{SurfaceExt, SvgSettings};

use super::charts::{escape, BLUE, FONT};
use super::{BilanDocument, Chart, TableBlock};

const WIDTH: f64 = 595.0;
const HEIGHT: f64 = 842.0;
const MARGIN: f64 = 48.0;
const CONTENT: f64 = WIDTH - 2.0 * MARGIN;
const BOTTOM: f64 = HEIGHT - 56.0;
const GREY: &str = "#666666";

const MARIANNE_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/Marianne-Regular.ttf");
const MARIANNE_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/Marianne-Bold.ttf");

/// Why a PDF could not be produced.
#[derive(Debug, thiserror::Error)]
#[error("PDF : {0}")]
pub struct PdfError(String);

/// SVG options with the embedded fonts, loaded once.
fn svg_options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = usvg::Options {
            font_family: "Marianne".into(),
            ..usvg::Options::default()
        };
        let db = options.fontdb_mut();
        db.load_font_data(MARIANNE_REGULAR.to_vec());
        db.load_font_data(MARIANNE_BOLD.to_vec());
        db.set_sans_serif_family("Marianne");
        options
    })
}

/// Lays out pages as SVG, top to bottom, starting a new page when a block does not fit.
struct Layout {
    pages: Vec<String>,
    current: String,
    y: f64,
}

impl Layout {
    fn new() -> Self {
        Layout {
            pages: Vec::new(),
            current: String::new(),
            y: MARGIN,
        }
    }

    fn ensure(&mut self, height: f64) {
        if self.y + height > BOTTOM && !self.current.is_empty() {
            self.pages.push(std::mem::take(&mut self.current));
            self.y = MARGIN;
        }
    }

    fn text(&mut self, x: f64, size: f64, bold: bool, colour: &str, anchor: &str, text: &str) {
        let _ = write!(
            self.current,
            r#"<text x="{x:.1}" y="{:.1}" font-size="{size}" font-weight="{}" fill="{colour}" text-anchor="{anchor}">{}</text>"#,
            self.y,
            if bold { "bold" } else { "normal" },
            escape(text)
        );
    }

    fn paragraph(&mut self, size: f64, bold: bool, colour: &str, text: &str, width: f64, x: f64) {
        let lines = wrap(text, width, size, bold);
        self.ensure(lines.len() as f64 * size * 1.35);
        for line in lines {
            self.y += size * 1.35;
            self.text(x, size, bold, colour, "start", &line);
        }
    }

    fn heading(&mut self, text: &str) {
        self.ensure(60.0);
        self.y += 18.0;
        self.paragraph(13.0, true, BLUE, text, CONTENT, MARGIN);
        self.y += 4.0;
    }

    fn chart(&mut self, chart: &Chart) {
        let (vw, vh) = view_box_size(&chart.svg).unwrap_or((640.0, 260.0));
        let scale = (CONTENT / vw).min(360.0 / vh);
        let (w, h) = (vw * scale, vh * scale);
        self.ensure(h + 50.0);
        self.heading(&chart.title);
        self.y += 4.0;
        let _ = write!(
            self.current,
            "{}",
            embed(&chart.svg, MARGIN + (CONTENT - w) / 2.0, self.y, w, h)
        );
        self.y += h;
        if !chart.legend.is_empty() {
            self.y += 14.0;
            let mut x = MARGIN;
            for (colour, label) in &chart.legend {
                let width = 16.0 + estimate(label, 8.0, false);
                if x + width > MARGIN + CONTENT {
                    x = MARGIN;
                    self.y += 12.0;
                }
                let _ = write!(
                    self.current,
                    r##"<rect x="{x:.1}" y="{:.1}" width="9" height="9" fill="{colour}" stroke="#929292" stroke-width="0.3"/>"##,
                    self.y - 8.0
                );
                self.text(x + 12.0, 8.0, false, GREY, "start", label);
                x += width + 10.0;
            }
        }
        if let Some(note) = &chart.note {
            self.y += 4.0;
            self.paragraph(8.0, false, GREY, note, CONTENT, MARGIN);
        }
    }

    fn table(&mut self, table: &TableBlock) {
        let size = 8.0;
        let row_h = 13.0;
        self.ensure(row_h * 3.0 + 40.0);
        self.heading(&table.title);
        // Column widths in proportion to their longest cell, the first column never under a third.
        let columns = table.headers.len();
        let want: Vec<f64> = (0..columns)
            .map(|c| {
                std::iter::once(&table.headers[c])
                    .chain(table.rows.iter().map(|r| &r[c]))
                    .map(|s| estimate(s, size, true))
                    .fold(0.0, f64::max)
                    + 8.0
            })
            .collect();
        // Numbers are never cut: numeric columns get their width, text columns share the rest.
        let numeric_width: f64 = (0..columns)
            .filter(|c| table.numeric[*c])
            .map(|c| want[c])
            .sum();
        let text_want: f64 = (0..columns)
            .filter(|c| !table.numeric[*c])
            .map(|c| want[c])
            .sum();
        let room = (CONTENT - numeric_width).max(CONTENT / 3.0);
        let widths: Vec<f64> = (0..columns)
            .map(|c| {
                if table.numeric[c] {
                    want[c] * (CONTENT - room).min(numeric_width) / numeric_width.max(1.0)
                } else {
                    want[c] * room.min(text_want) / text_want.max(1.0)
                }
            })
            .collect();
        let draw_row = |layout: &mut Layout, cells: &[String], bold: bool, shade: bool| {
            layout.ensure(row_h);
            if shade {
                let _ = write!(
                    layout.current,
                    r##"<rect x="{MARGIN}" y="{:.1}" width="{CONTENT}" height="{row_h}" fill="#eeeeee"/>"##,
                    layout.y
                );
            }
            layout.y += row_h - 3.5;
            let mut x = MARGIN;
            for (c, cell) in cells.iter().enumerate() {
                let fitted = fit(cell, widths[c] - 6.0, size, bold);
                if table.numeric[c] {
                    layout.text(x + widths[c] - 3.0, size, bold, "#161616", "end", &fitted);
                } else {
                    layout.text(x + 3.0, size, bold, "#161616", "start", &fitted);
                }
                x += widths[c];
            }
            layout.y += 3.5;
        };
        draw_row(self, &table.headers, true, true);
        for (i, row) in table.rows.iter().enumerate() {
            let last_total = i + 1 == table.rows.len() && row.first().is_some_and(|c| c == "Total");
            draw_row(self, row, last_total, last_total);
        }
        if let Some(note) = &table.note {
            self.y += 2.0;
            self.paragraph(8.0, false, GREY, note, CONTENT, MARGIN);
        }
    }

    fn finish(mut self, footer: &str) -> Vec<String> {
        if !self.current.is_empty() {
            self.pages.push(std::mem::take(&mut self.current));
        }
        let n = self.pages.len();
        self.pages
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                format!(
                    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="{FONT}"><rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>{body}<text x="{MARGIN}" y="{:.1}" font-size="7.5" fill="{GREY}">{}</text><text x="{:.1}" y="{:.1}" font-size="7.5" fill="{GREY}" text-anchor="end">page {} / {n}</text></svg>"##,
                    HEIGHT - 28.0,
                    escape(footer),
                    WIDTH - MARGIN,
                    HEIGHT - 28.0,
                    i + 1
                )
            })
            .collect()
    }
}

/// Estimated width of text in Marianne (average advance of French text, measured on the font).
fn estimate(text: &str, size: f64, bold: bool) -> f64 {
    text.chars().count() as f64 * size * if bold { 0.58 } else { 0.53 }
}

fn wrap(text: &str, width: f64, size: f64, bold: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if estimate(&candidate, size, bold) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn fit(text: &str, width: f64, size: f64, bold: bool) -> String {
    if estimate(text, size, bold) <= width {
        return text.to_owned();
    }
    let keep = ((width / (size * if bold { 0.58 } else { 0.53 })) as usize).saturating_sub(1);
    format!("{}…", text.chars().take(keep).collect::<String>())
}

fn view_box_size(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("viewBox=\"")? + 9;
    let end = start + svg[start..].find('"')?;
    let numbers: Vec<f64> = svg[start..end]
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers.len() == 4).then(|| (numbers[2], numbers[3]))
}

/// Places a standalone chart SVG at (x, y) with the given size, as a nested `<svg>` keeping its viewBox.
fn embed(svg: &str, x: f64, y: f64, w: f64, h: f64) -> String {
    let open_end = svg.find('>').unwrap_or(0);
    let view_box = svg
        .find("viewBox=\"")
        .and_then(|s| svg[s + 9..].find('"').map(|e| &svg[s + 9..s + 9 + e]))
        .unwrap_or("0 0 640 260");
    let body = &svg[open_end + 1..svg.len().saturating_sub("</svg>".len())];
    format!(
        r#"<svg x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" viewBox="{view_box}" font-family="{FONT}">{body}</svg>"#
    )
}

/// The pages of a bilan document, as SVG.
pub fn pages(doc: &BilanDocument) -> Vec<String> {
    let mut l = Layout::new();
    let _ = write!(
        l.current,
        r#"<rect x="0" y="0" width="{WIDTH}" height="6" fill="{BLUE}"/>"#
    );
    l.y = MARGIN - 8.0;
    l.text(
        MARGIN,
        8.0,
        true,
        "#161616",
        "start",
        "RÉPUBLIQUE FRANÇAISE · Territoires d'industrie",
    );
    l.y += 14.0;
    l.paragraph(19.0, true, "#161616", &doc.title, CONTENT, MARGIN);
    l.y += 4.0;
    l.paragraph(
        11.0,
        false,
        "#3a3a3a",
        &format!("{} · situation au {}", doc.subtitle, doc.as_of_label),
        CONTENT,
        MARGIN,
    );
    l.heading("Chiffres clés");
    for f in &doc.figures {
        let definition = wrap(&f.definition, CONTENT - 150.0, 7.5, false);
        let detail = wrap(&f.detail, CONTENT - 150.0, 8.5, false);
        let height = 13.0 + 11.0 * detail.len() as f64 + 10.0 * definition.len() as f64 + 6.0;
        l.ensure(height);
        l.y += 13.0;
        l.text(
            MARGIN + 140.0,
            12.0,
            true,
            BLUE,
            "end",
            &f.value.replace('\u{202F}', "\u{a0}"),
        );
        l.text(MARGIN + 150.0, 10.0, true, "#161616", "start", &f.label);
        for line in detail {
            l.y += 11.0;
            l.text(MARGIN + 150.0, 8.5, false, "#3a3a3a", "start", &line);
        }
        for line in definition {
            l.y += 10.0;
            l.text(MARGIN + 150.0, 7.5, false, GREY, "start", &line);
        }
        l.y += 6.0;
    }
    if !doc.notes.is_empty() {
        l.heading("À lire avant de citer ces chiffres");
        for note in &doc.notes {
            l.paragraph(8.5, false, "#3a3a3a", note, CONTENT, MARGIN);
            l.y += 3.0;
        }
    }
    l.chart(&doc.map);
    for chart in &doc.charts {
        l.chart(chart);
    }
    for table in &doc.tables {
        l.table(table);
    }
    l.finish(&format!(
        "{} · {} · situation au {}",
        doc.title, doc.subtitle, doc.as_of_label
    ))
}

/// Renders a bilan document as PDF.
pub fn render(doc: &BilanDocument) -> Result<Vec<u8>, PdfError> {
    let options = svg_options();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", doc.title, doc.as_of_label))
            .language("fr".into())
            .creator("territoires".into()),
    );
    let size = Size::from_wh(WIDTH as f32, HEIGHT as f32).expect("A4 is a valid size");
    for svg in pages(doc) {
        let tree = usvg::Tree::from_str(&svg, options).map_err(|e| PdfError(e.to_string()))?;
        let mut page = document
            .start_page_with(PageSettings::from_wh(WIDTH as f32, HEIGHT as f32).expect("A4"));
        let mut surface = page.surface();
        surface
            .draw_svg(&tree, size, SvgSettings::default())
            .ok_or_else(|| PdfError("dessin d'une page impossible".into()))?;
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}
