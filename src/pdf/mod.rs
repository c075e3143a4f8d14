//! Stamped PDF/A-2b documents for release packets and letters (issue #12).
//!
//! Every page carries the patient's name, MRN and date of birth, the request id, a
//! `Page n of N` stamp counted through the whole packet, a Bates number (facility prefix +
//! seven digits) running through the packet, and — when any Part 2 record is in the packet —
//! a "Confidential — redisclosure prohibited" band (42 CFR 2.32).
//!
//! Invariants:
//! - pages are laid out by [`page_lines`], the same function that counts pages for fees and
//!   the manifest, so a manifest's page count is the true page count of its PDF;
//! - the only font is DejaVu Sans Mono (regular and bold), embedded and subset by krilla;
//!   characters the font lacks are written as `?` (PDF/A forbids .notdef glyphs);
//! - output is a pure function of the input (creation date and document id come from the
//!   input), so a re-rendered packet is byte-identical.

mod font;
pub mod scan;

use krilla::Document;
use krilla::configure::{Configuration, Validator};
use krilla::geom::{PathBuilder, Size};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::{SerializeSettings, color::luma};

pub use font::Mono;

/// The content type of the files written here.
pub const PDF_A_CONTENT_TYPE: &str = "application/pdf";

/// Columns of body text on a page (monospaced, 9 pt).
pub const COLUMNS: usize = 90;
/// Body lines on a page.
pub const LINES_PER_PAGE: usize = 60;

const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 54.0;
const BODY_SIZE: f32 = 9.0;
const LEADING: f32 = 10.4;
const BODY_TOP: f32 = 104.0;

/// The text of the Part 2 band.
pub const CONFIDENTIAL_BAND: &str =
    "CONFIDENTIAL \u{2014} REDISCLOSURE PROHIBITED (42 CFR Part 2, 42 CFR 2.32)";

/// Errors of PDF writing.
#[derive(Clone, Debug, thiserror::Error)]
pub enum PdfError {
    #[error("PDF/A-2b export failed: {0}")]
    Export(String),
    #[error("{what}: {why}")]
    Image { what: String, why: String },
}

/// What every page of a packet says about whose it is and where it belongs.
#[derive(Clone, Debug)]
pub struct Stamp {
    pub facility: String,
    /// `FAMILY, Given`.
    pub patient_name: String,
    pub mrn: String,
    pub birth_date: String,
    /// `REQ-000042`.
    pub request: String,
    /// Bates prefix (the `bates_prefix` setting, else derived from the facility name).
    pub bates_prefix: String,
    /// A Part 2 record is in the packet: every page carries [`CONFIDENTIAL_BAND`].
    pub confidential: bool,
    /// `YYYY-MM-DDTHH:MM:SS` (facility local): the documents' creation date.
    pub created: String,
}

/// One PDF file of a packet: a title and its text, or a scanned image page.
#[derive(Clone, Debug)]
pub enum Part {
    Text {
        title: String,
        text: String,
    },
    /// A PNG or JPEG scan (a signed form), drawn on one stamped page.
    Image {
        title: String,
        bytes: Vec<u8>,
        what: String,
    },
    /// A scanned PDF (a signed form): one stamped page per page of the scan, each page of the
    /// scan drawn in the body ([`scan::overlay`]); `pages` from [`scan::page_count`].
    PdfScan {
        title: String,
        bytes: Vec<u8>,
        what: String,
        pages: u32,
    },
}

impl Part {
    /// Pages this part takes.
    pub fn pages(&self) -> u32 {
        match self {
            Part::Text { text, .. } => u32::try_from(page_lines(text).len()).unwrap_or(u32::MAX),
            Part::Image { .. } => 1,
            Part::PdfScan { pages, .. } => *pages,
        }
    }
    fn title(&self) -> &str {
        match self {
            Part::Text { title, .. } | Part::Image { title, .. } | Part::PdfScan { title, .. } => {
                title
            }
        }
    }
}

/// One rendered PDF and where it sits in the packet.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: u32,
    /// First and last Bates number on it (`DGH0000001`).
    pub bates_first: String,
    pub bates_last: String,
}

/// A text split into pages of at most [`LINES_PER_PAGE`] lines of at most [`COLUMNS`]
/// characters (longer lines are cut at a space when there is one, else hard); at least one page.
pub fn page_lines(text: &str) -> Vec<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut rest: &str = line;
        loop {
            if rest.chars().count() <= COLUMNS {
                lines.push(rest.to_string());
                break;
            }
            let cut_byte = rest
                .char_indices()
                .nth(COLUMNS)
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            let head = &rest[..cut_byte];
            let at = head.rfind(' ').filter(|&i| i > 0).unwrap_or(cut_byte);
            lines.push(rest[..at].to_string());
            rest = rest[at..].strip_prefix(' ').unwrap_or(&rest[at..]);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
        .chunks(LINES_PER_PAGE)
        .map(<[String]>::to_vec)
        .collect()
}

/// The Bates number `n` (1-based) with its prefix: `DGH0000042`.
pub fn bates(prefix: &str, n: u64) -> String {
    format!("{prefix}{n:07}")
}

/// A Bates prefix from a facility name when no `bates_prefix` is set: the initials of its
/// words, upper case, letters only (`Demo General Hospital` → `DGH`).
pub fn default_bates_prefix(facility: &str) -> String {
    let p: String = facility
        .split_whitespace()
        .filter_map(|w| w.chars().find(char::is_ascii_alphabetic))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if p.is_empty() { "CD".into() } else { p }
}

fn pdf_date(created: &str) -> DateTime {
    let num = |a: usize, b: usize| created.get(a..b).and_then(|s| s.parse::<u16>().ok());
    let mut d = DateTime::new(num(0, 4).unwrap_or(2000));
    if let Some(m) = num(5, 7) {
        d = d.month(u8::try_from(m).unwrap_or(1));
    }
    if let Some(v) = num(8, 10) {
        d = d.day(u8::try_from(v).unwrap_or(1));
    }
    if let Some(v) = num(11, 13) {
        d = d.hour(u8::try_from(v).unwrap_or(0));
    }
    if let Some(v) = num(14, 16) {
        d = d.minute(u8::try_from(v).unwrap_or(0));
    }
    if let Some(v) = num(17, 19) {
        d = d.second(u8::try_from(v).unwrap_or(0));
    }
    d
}

/// Render the parts of one packet, in order: page numbers and Bates numbers run through all of
/// them, starting at Bates `first_bates`; `total_pages` is the packet's `N` (at least the sum of
/// the parts' pages — letters rendered alone pass their own sum).
pub fn render_all(
    stamp: &Stamp,
    parts: &[Part],
    first_bates: u64,
    total_pages: u32,
) -> Result<Vec<Rendered>, PdfError> {
    // Where each part starts (page number, Bates number): known before any is drawn, so the
    // parts are written in parallel, one file per part, on as many threads as there are cores.
    let mut starts = Vec::with_capacity(parts.len());
    let (mut page_no, mut bates_no) = (1u32, first_bates);
    for part in parts {
        starts.push((page_no, bates_no));
        page_no += part.pages();
        bates_no += u64::from(part.pages());
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(parts.len().max(1));
    if threads <= 1 {
        return parts
            .iter()
            .zip(&starts)
            .map(|(p, &(pg, b))| render_one(stamp, p, pg, b, total_pages))
            .collect();
    }
    let mut slots: Vec<Option<Result<Rendered, PdfError>>> = vec![None; parts.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (parts, starts) = (&parts, &starts);
                scope.spawn(move || {
                    (t..parts.len())
                        .step_by(threads)
                        .map(|i| {
                            let (pg, b) = starts[i];
                            (i, render_one(stamp, &parts[i], pg, b, total_pages))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(done) => {
                    for (i, r) in done {
                        slots[i] = Some(r);
                    }
                }
                Err(_) => {
                    for s in slots.iter_mut().filter(|s| s.is_none()) {
                        *s = Some(Err(PdfError::Export("a PDF writer thread panicked".into())));
                    }
                }
            }
        }
    });
    slots
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Err(PdfError::Export("part not rendered".into()))))
        .collect()
}

/// One part as one PDF/A-2b file, its first page numbered `page_no` and Bates `bates_no`.
fn render_one(
    stamp: &Stamp,
    part: &Part,
    mut page_no: u32,
    mut bates_no: u64,
    total_pages: u32,
) -> Result<Rendered, PdfError> {
    let mono = Mono::get();
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::A2_B),
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    let first = bates_no;
    let pages: Vec<Option<Vec<String>>> = match part {
        Part::Text { text, .. } => page_lines(text).into_iter().map(Some).collect(),
        Part::Image { .. } => vec![None],
        Part::PdfScan { pages, .. } => vec![None; *pages as usize],
    };
    for body in &pages {
        let Some(ps) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            return Err(PdfError::Export("page size".into()));
        };
        let mut page = doc.start_page_with(ps);
        let mut s = page.surface();
        draw_stamp(
            &mut s,
            mono,
            stamp,
            part.title(),
            page_no,
            total_pages,
            bates_no,
        );
        match (body, part) {
            (Some(lines), _) => {
                for (i, line) in lines.iter().enumerate() {
                    let y = BODY_TOP + LEADING * (i as f32 + 1.0);
                    mono.draw(&mut s, false, MARGIN, y, BODY_SIZE, line);
                }
            }
            (None, Part::Image { bytes, what, .. }) => {
                draw_image(&mut s, bytes, what)?;
            }
            (None, Part::Text { .. } | Part::PdfScan { .. }) => {}
        }
        s.finish();
        page.finish();
        page_no += 1;
        bates_no += 1;
    }
    let meta = Metadata::new()
        .title(format!("{} \u{2014} {}", stamp.request, part.title()))
        .creator("chartdesk".into())
        .producer("chartdesk (krilla)".into())
        .language("en-US".into())
        .document_id(format!("{}-{}", stamp.request, first))
        .creation_date(pdf_date(&stamp.created));
    doc.set_metadata(meta);
    let mut bytes = doc
        .finish()
        .map_err(|e| PdfError::Export(format!("{e:?}")))?;
    if let Part::PdfScan {
        bytes: scan_bytes,
        what,
        ..
    } = part
    {
        bytes = scan::overlay(
            &bytes,
            scan_bytes,
            what,
            (
                MARGIN,
                BODY_TOP + 4.0,
                PAGE_W - 2.0 * MARGIN,
                744.0 - 8.0 - BODY_TOP - 4.0,
            ),
            PAGE_H,
        )?;
    }
    Ok(Rendered {
        bytes,
        pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
        bates_first: bates(&stamp.bates_prefix, first),
        bates_last: bates(&stamp.bates_prefix, bates_no - 1),
    })
}

fn fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        ..Fill::default()
    }
}

fn rect(s: &mut krilla::surface::Surface<'_>, x: f32, y: f32, w: f32, h: f32, gray: u8) {
    let mut pb = PathBuilder::new();
    pb.move_to(x, y);
    pb.line_to(x + w, y);
    pb.line_to(x + w, y + h);
    pb.line_to(x, y + h);
    pb.close();
    if let Some(p) = pb.finish() {
        s.set_fill(Some(fill(gray)));
        s.draw_path(&p);
        s.set_fill(Some(fill(0)));
    }
}

/// Header (facility, request, patient), the Part 2 band, and the footer (page, Bates).
fn draw_stamp(
    s: &mut krilla::surface::Surface<'_>,
    mono: &Mono,
    st: &Stamp,
    title: &str,
    page: u32,
    total: u32,
    bates_no: u64,
) {
    let right = PAGE_W - MARGIN;
    mono.draw(s, true, MARGIN, 40.0, 10.0, &st.facility);
    mono.draw_right(s, true, right, 40.0, 10.0, &st.request);
    let who = format!(
        "Patient: {}   MRN: {}   DOB: {}",
        st.patient_name, st.mrn, st.birth_date
    );
    mono.draw(s, false, MARGIN, 54.0, 9.0, &who);
    mono.draw(s, false, MARGIN, 66.0, 8.0, title);
    rect(s, MARGIN, 71.0, right - MARGIN, 0.7, 0);
    if st.confidential {
        rect(s, MARGIN, 76.0, right - MARGIN, 16.0, 25);
        s.set_fill(Some(fill(255)));
        mono.draw_centered(s, true, PAGE_W / 2.0, 87.5, 9.0, CONFIDENTIAL_BAND);
        s.set_fill(Some(fill(0)));
    }
    rect(s, MARGIN, 744.0, right - MARGIN, 0.7, 0);
    let stamp = format!("{}   Page {page} of {total}", st.request);
    mono.draw(s, false, MARGIN, 758.0, 9.0, &stamp);
    mono.draw_right(
        s,
        true,
        right,
        758.0,
        10.0,
        &bates(&st.bates_prefix, bates_no),
    );
}

fn draw_image(
    s: &mut krilla::surface::Surface<'_>,
    bytes: &[u8],
    what: &str,
) -> Result<(), PdfError> {
    let data: krilla::Data = bytes.to_vec().into();
    let img = if bytes.starts_with(b"\x89PNG") {
        krilla::image::Image::from_png(data, false)
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        krilla::image::Image::from_jpeg(data, false)
    } else {
        Err("not a PNG or JPEG image".into())
    }
    .map_err(|why| PdfError::Image {
        what: what.to_string(),
        why,
    })?;
    let (w, h) = img.size();
    let (bw, bh) = (PAGE_W - 2.0 * MARGIN, 744.0 - 8.0 - BODY_TOP);
    let scale = (bw / w.max(1) as f32).min(bh / h.max(1) as f32);
    let (dw, dh) = (w as f32 * scale, h as f32 * scale);
    let Some(size) = Size::from_wh(dw.max(1.0), dh.max(1.0)) else {
        return Err(PdfError::Image {
            what: what.to_string(),
            why: "empty image".into(),
        });
    };
    s.push_transform(&krilla::geom::Transform::from_translate(
        MARGIN,
        BODY_TOP + 4.0,
    ));
    s.draw_image(img, size);
    s.pop();
    Ok(())
}
