//! The bilan as a PDF for steering committees: A4 pages, the Marianne typeface embedded, the same charts and
//! map as the web page, and a tagged structure (PDF/UA-1, checked by krilla when the file is written):
//! headings, paragraphs, tables with header cells, figures with their alternative text, and the page
//! furniture (band, footer, page numbers) marked as artifacts. Text stays selectable and reads in order.
//!
//! Layout works in two passes: blocks of SVG are placed on pages and attached to the logical element they
//! belong to; then each block is drawn inside its own tagged content sequence, and the tag tree is built
//! from the logical elements with the identifiers drawing returned.

use std::fmt::Write;
use std::num::NonZeroU16;
use std::sync::OnceLock;

use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{Point, Size};
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagTree,
};
use krilla::{Document, SerializeSettings};
use krilla_svg::{SurfaceExt, SvgSettings};
use time::Date;

use super::charts::{escape, BLUE, FONT};
use super::{BilanDocument, Chart, Figure, TableBlock};

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

/// What a piece of drawing is, for the tag tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// A line of text.
    Text,
    /// A drawing that is part of a figure.
    Drawing,
    /// Page furniture.
    Artifact,
}

/// A piece of SVG drawn on a page, inside one tagged content sequence.
struct Block {
    page: usize,
    svg: String,
    content: Content,
}

/// The logical structure of the document, in reading order; numbers point to blocks.
enum Element {
    /// Level, text, page and height on it (for the outline), blocks.
    Heading(u16, String, usize, f64, Vec<usize>),
    Paragraph(Vec<usize>),
    Figure(String, Vec<usize>),
    /// Rows of cells: (header cell, blocks).
    Table(Vec<Vec<(bool, Vec<usize>)>>),
}

/// Places blocks on pages, top to bottom, starting a new page when a piece does not fit.
struct Layout {
    blocks: Vec<Block>,
    elements: Vec<Element>,
    page: usize,
    y: f64,
}

impl Layout {
    fn new() -> Self {
        Layout {
            blocks: Vec::new(),
            elements: Vec::new(),
            page: 0,
            y: MARGIN,
        }
    }

    fn ensure(&mut self, height: f64) {
        if self.y + height > BOTTOM && self.blocks.iter().any(|b| b.page == self.page) {
            self.page += 1;
            self.y = MARGIN;
        }
    }

    fn block(&mut self, svg: String, content: Content) -> usize {
        self.blocks.push(Block {
            page: self.page,
            svg,
            content,
        });
        self.blocks.len() - 1
    }

    fn text_svg(
        x: f64,
        y: f64,
        size: f64,
        bold: bool,
        colour: &str,
        anchor: &str,
        text: &str,
    ) -> String {
        format!(
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{}" fill="{colour}" text-anchor="{anchor}">{}</text>"#,
            if bold { "bold" } else { "normal" },
            escape(text)
        )
    }

    /// Wrapped lines of text, each its own block; returns the blocks.
    fn lines(
        &mut self,
        size: f64,
        bold: bool,
        colour: &str,
        text: &str,
        width: f64,
        x: f64,
    ) -> Vec<usize> {
        let lines = wrap(text, width, size, bold);
        self.ensure(lines.len() as f64 * size * 1.35);
        lines
            .into_iter()
            .map(|line| {
                self.y += size * 1.35;
                let svg = Self::text_svg(x, self.y, size, bold, colour, "start", &line);
                self.block(svg, Content::Text)
            })
            .collect()
    }

    fn paragraph(&mut self, size: f64, colour: &str, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let blocks = self.lines(size, false, colour, text, CONTENT, MARGIN);
        self.elements.push(Element::Paragraph(blocks));
    }

    fn heading(&mut self, level: u16, text: &str) {
        self.ensure(60.0);
        self.y += if level == 1 { 0.0 } else { 18.0 };
        let size = if level == 1 { 19.0 } else { 13.0 };
        let colour = if level == 1 { "#161616" } else { BLUE };
        let (page, y) = (self.page, self.y);
        let blocks = self.lines(size, true, colour, text, CONTENT, MARGIN);
        // `lines` may have started a new page: the heading is where its first line is.
        let (page, y) = match blocks.first() {
            Some(&b) if self.blocks[b].page != page => (self.blocks[b].page, MARGIN),
            _ => (page, y),
        };
        self.elements
            .push(Element::Heading(level, text.to_owned(), page, y, blocks));
        self.y += 4.0;
    }

    fn chart(&mut self, chart: &Chart) {
        let (vw, vh) = view_box_size(&chart.svg).unwrap_or((640.0, 260.0));
        let scale = (CONTENT / vw).min(360.0 / vh);
        let (w, h) = (vw * scale, vh * scale);
        self.ensure(h + 50.0);
        self.heading(2, &chart.title);
        self.y += 4.0;
        let svg = embed(&chart.svg, MARGIN + (CONTENT - w) / 2.0, self.y, w, h);
        let mut blocks = vec![self.block(svg, Content::Drawing)];
        self.y += h;
        if !chart.legend.is_empty() {
            self.y += 14.0;
            let mut x = MARGIN;
            let mut legend = String::new();
            for (colour, label) in &chart.legend {
                let width = 16.0 + estimate(label, 8.0, false);
                if x + width > MARGIN + CONTENT {
                    x = MARGIN;
                    self.y += 12.0;
                }
                let fill = if colour.starts_with('#') {
                    colour.as_str()
                } else {
                    "#929292"
                };
                let _ = write!(
                    legend,
                    r##"<rect x="{x:.1}" y="{:.1}" width="9" height="9" fill="{fill}" stroke="#929292" stroke-width="0.3"/>{}"##,
                    self.y - 8.0,
                    Self::text_svg(x + 12.0, self.y, 8.0, false, GREY, "start", label)
                );
                x += width + 10.0;
            }
            blocks.push(self.block(legend, Content::Drawing));
        }
        self.elements
            .push(Element::Figure(chart.description.clone(), blocks));
        if let Some(note) = &chart.note {
            self.y += 4.0;
            self.paragraph(8.0, GREY, note);
        }
    }

    fn figures(&mut self, figures: &[Figure]) {
        let mut rows = Vec::new();
        for f in figures {
            let definition = wrap(&f.definition, CONTENT - 150.0, 7.5, false);
            let detail = wrap(&f.detail, CONTENT - 150.0, 8.5, false);
            let height = 13.0 + 11.0 * detail.len() as f64 + 10.0 * definition.len() as f64 + 6.0;
            self.ensure(height);
            self.y += 13.0;
            let value = self.block(
                Self::text_svg(
                    MARGIN + 140.0,
                    self.y,
                    12.0,
                    true,
                    BLUE,
                    "end",
                    &f.value.replace('\u{202F}', "\u{a0}"),
                ),
                Content::Text,
            );
            let mut label = vec![self.block(
                Self::text_svg(
                    MARGIN + 150.0,
                    self.y,
                    10.0,
                    true,
                    "#161616",
                    "start",
                    &f.label,
                ),
                Content::Text,
            )];
            for line in detail {
                self.y += 11.0;
                label.push(self.block(
                    Self::text_svg(
                        MARGIN + 150.0,
                        self.y,
                        8.5,
                        false,
                        "#3a3a3a",
                        "start",
                        &line,
                    ),
                    Content::Text,
                ));
            }
            for line in definition {
                self.y += 10.0;
                label.push(self.block(
                    Self::text_svg(MARGIN + 150.0, self.y, 7.5, false, GREY, "start", &line),
                    Content::Text,
                ));
            }
            self.y += 6.0;
            rows.push(vec![(true, label), (false, vec![value])]);
        }
        self.elements.push(Element::Table(rows));
    }

    fn table(&mut self, table: &TableBlock) {
        let size = 8.0;
        let row_h = 13.0;
        self.ensure(row_h * 3.0 + 40.0);
        self.heading(2, &table.title);
        if let Some(empty) = &table.empty {
            self.paragraph(8.5, "#3a3a3a", empty);
            return;
        }
        let columns = table.headers.len();
        let text = |r: usize, c: usize| -> &str {
            if r == 0 {
                &table.headers[c]
            } else {
                &table.rows[r - 1][c].text
            }
        };
        let want: Vec<f64> = (0..columns)
            .map(|c| {
                (0..=table.rows.len())
                    .map(|r| estimate(text(r, c), size, true))
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
        let mut rows = Vec::new();
        for r in 0..=table.rows.len() {
            let header = r == 0;
            let total = r == table.rows.len() && r > 0 && text(r, 0) == "Total";
            self.ensure(row_h);
            if header || total {
                let shade = format!(
                    r##"<rect x="{MARGIN}" y="{:.1}" width="{CONTENT}" height="{row_h}" fill="#eeeeee"/>"##,
                    self.y
                );
                self.block(shade, Content::Artifact);
            }
            self.y += row_h - 3.5;
            let mut x = MARGIN;
            let mut cells = Vec::new();
            for (c, width) in widths.iter().enumerate() {
                let bold = header || total;
                let fitted = if table.numeric[c] {
                    text(r, c).to_owned()
                } else {
                    fit(text(r, c), width - 6.0, size, bold)
                };
                let svg = if table.numeric[c] {
                    Self::text_svg(
                        x + width - 3.0,
                        self.y,
                        size,
                        bold,
                        "#161616",
                        "end",
                        &fitted,
                    )
                } else {
                    Self::text_svg(x + 3.0, self.y, size, bold, "#161616", "start", &fitted)
                };
                let block = self.block(svg, Content::Text);
                cells.push((header || c == 0, vec![block]));
                x += width;
            }
            self.y += 3.5;
            rows.push(cells);
        }
        self.elements.push(Element::Table(rows));
        if let Some(note) = &table.note {
            self.y += 2.0;
            self.paragraph(8.0, GREY, note);
        }
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
/// Links (`<a>`) are kept as groups: the PDF has no annotations.
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

/// Lays out a document.
fn layout(doc: &BilanDocument) -> Layout {
    let mut l = Layout::new();
    l.y = MARGIN - 8.0;
    l.heading(1, &doc.title);
    l.paragraph(
        11.0,
        "#3a3a3a",
        &format!("{} · situation au {}", doc.subtitle, doc.as_of_label),
    );
    l.paragraph(
        8.5,
        GREY,
        &format!(
            "Document produit le {} par le registre Territoires d'industrie.",
            doc.generated_on
        ),
    );
    if let Some(message) = &doc.not_started {
        l.heading(2, "Phase non commencée à cette date");
        l.paragraph(10.0, "#161616", message);
    } else {
        l.heading(2, "Chiffres clés");
        l.figures(&doc.figures);
        if !doc.flows.is_empty() {
            l.heading(
                2,
                &format!(
                    "Sur la période : {}",
                    doc.period_label.clone().unwrap_or_default()
                ),
            );
            l.figures(&doc.flows);
        }
        if !doc.notes.is_empty() {
            l.heading(2, "À lire avant de citer ces chiffres");
            for note in &doc.notes {
                l.paragraph(8.5, "#3a3a3a", note);
                l.y += 3.0;
            }
        }
        if let Some(map) = &doc.map {
            l.chart(map);
        }
        for chart in &doc.charts {
            l.chart(chart);
        }
        for table in &doc.tables {
            l.table(table);
        }
        if !doc.other_figures.is_empty() {
            l.heading(2, "Autres chiffres");
            l.figures(&doc.other_figures);
        }
    }
    l.heading(2, "Sources");
    for source in &doc.sources {
        l.paragraph(8.5, "#3a3a3a", source);
    }
    l
}

/// The pages of a bilan document as SVG (for previews and tests): every block of each page.
pub fn pages(doc: &BilanDocument) -> Vec<String> {
    let l = layout(doc);
    let n = l.page + 1;
    (0..n)
        .map(|p| {
            let body: String = l
                .blocks
                .iter()
                .filter(|b| b.page == p)
                .map(|b| b.svg.as_str())
                .collect();
            page_svg(&body)
        })
        .collect()
}

fn page_svg(body: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="{FONT}">{body}</svg>"#
    )
}

fn furniture(doc: &BilanDocument, page: usize, pages: usize) -> String {
    let footer = format!(
        "{} · {} · situation au {}",
        doc.title, doc.subtitle, doc.as_of_label
    );
    format!(
        r##"<rect x="0" y="0" width="{WIDTH}" height="6" fill="{BLUE}"/><text x="{MARGIN}" y="{:.1}" font-size="8" font-weight="bold" fill="#161616">RÉPUBLIQUE FRANÇAISE · Territoires d'industrie</text><text x="{MARGIN}" y="{:.1}" font-size="7.5" fill="{GREY}">{}</text><text x="{:.1}" y="{:.1}" font-size="7.5" fill="{GREY}" text-anchor="end">page {} / {pages}</text>"##,
        22.0,
        HEIGHT - 28.0,
        escape(&footer),
        WIDTH - MARGIN,
        HEIGHT - 28.0,
        page + 1
    )
}

/// The document outline (bookmarks): the title, and each section under it.
fn outline(l: &Layout) -> Outline {
    let mut outline = Outline::new();
    let mut root: Option<OutlineNode> = None;
    for element in &l.elements {
        if let Element::Heading(level, text, page, y, _) = element {
            let node = OutlineNode::new(
                text.clone(),
                XyzDestination::new(*page, Point::from_xy(MARGIN as f32, *y as f32)),
            );
            match (level, root.as_mut()) {
                (1, _) | (_, None) => {
                    if let Some(previous) = root.replace(node) {
                        outline.push_child(previous);
                    }
                }
                (_, Some(r)) => r.push_child(node),
            }
        }
    }
    if let Some(r) = root {
        outline.push_child(r.with_open(true));
    }
    outline
}

fn tag(content: Content) -> ContentTag<'static> {
    match content {
        Content::Text => ContentTag::Span(SpanTag::empty()),
        Content::Drawing => ContentTag::Other,
        Content::Artifact => ContentTag::Artifact(Artifact::with_kind(ArtifactType::Other)),
    }
}

/// Renders a bilan document as a tagged PDF (PDF/UA-1), dated `generated_on`.
pub fn render(doc: &BilanDocument, generated_on: Date) -> Result<Vec<u8>, PdfError> {
    let options = svg_options();
    let l = layout(doc);
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| PdfError(format!("{e:?}")))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    });
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", doc.title, doc.as_of_label))
            .description(format!(
                "{} · situation au {}",
                doc.subtitle, doc.as_of_label
            ))
            .language("fr".into())
            .creator("territoires".into())
            .creation_date(
                DateTime::new(generated_on.year() as u16)
                    .month(generated_on.month() as u8)
                    .day(generated_on.day()),
            ),
    );
    let size = Size::from_wh(WIDTH as f32, HEIGHT as f32).expect("A4 is a valid size");
    let pages = l.page + 1;
    let mut ids: Vec<Option<Identifier>> = vec![None; l.blocks.len()];
    for page_index in 0..pages {
        let mut page = document
            .start_page_with(PageSettings::from_wh(WIDTH as f32, HEIGHT as f32).expect("A4"));
        let mut surface = page.surface();
        let furniture =
            usvg::Tree::from_str(&page_svg(&furniture(doc, page_index, pages)), options)
                .map_err(|e| PdfError(e.to_string()))?;
        surface.start_tagged(tag(Content::Artifact));
        surface
            .draw_svg(&furniture, size, SvgSettings::default())
            .ok_or_else(|| PdfError("dessin d'une page impossible".into()))?;
        surface.end_tagged();
        for (i, block) in l
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.page == page_index)
        {
            let tree = usvg::Tree::from_str(&page_svg(&block.svg), options)
                .map_err(|e| PdfError(e.to_string()))?;
            let id = surface.start_tagged(tag(block.content));
            surface
                .draw_svg(&tree, size, SvgSettings::default())
                .ok_or_else(|| PdfError("dessin d'un bloc impossible".into()))?;
            surface.end_tagged();
            if block.content != Content::Artifact {
                ids[i] = Some(id);
            }
        }
        surface.finish();
        page.finish();
    }
    let mut tree = TagTree::new().with_lang(Some("fr".into()));
    let take = |blocks: &[usize], ids: &mut Vec<Option<Identifier>>| -> Vec<Identifier> {
        blocks.iter().filter_map(|&b| ids[b].take()).collect()
    };
    for element in &l.elements {
        let group = match element {
            Element::Heading(level, text, _, _, blocks) => {
                let mut g = TagGroup::new(Tag::Hn(
                    NonZeroU16::new(*level).expect("levels start at 1"),
                    Some(text.clone()),
                ));
                take(blocks, &mut ids).into_iter().for_each(|id| g.push(id));
                g
            }
            Element::Paragraph(blocks) => {
                let mut g = TagGroup::new(Tag::P);
                take(blocks, &mut ids).into_iter().for_each(|id| g.push(id));
                g
            }
            Element::Figure(alt, blocks) => {
                let mut g = TagGroup::new(Tag::Figure(Some(alt.clone())));
                take(blocks, &mut ids).into_iter().for_each(|id| g.push(id));
                g
            }
            Element::Table(rows) => {
                let mut table = TagGroup::new(Tag::Table);
                for row in rows {
                    let mut tr = TagGroup::new(Tag::TR);
                    for (header, blocks) in row {
                        let mut cell = if *header {
                            TagGroup::new(Tag::TH(TableHeaderScope::Both))
                        } else {
                            TagGroup::new(Tag::TD)
                        };
                        take(blocks, &mut ids)
                            .into_iter()
                            .for_each(|id| cell.push(id));
                        tr.push(cell);
                    }
                    table.push(tr);
                }
                table
            }
        };
        tree.push(group);
    }
    document.set_tag_tree(tree);
    document.set_outline(outline(&l));
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}
