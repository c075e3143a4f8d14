//! Laying out a packet's documents and enclosures as files: stamped PDF/A-2b (the default) or
//! text (`release_document_format = TEXT`).
//!
//! PDF order, which is the Bates order: front enclosures (the cover letter), the documents,
//! then the other enclosures (letters, statements of disagreement, signed forms). `Page n of N`
//! counts the whole packet. A scanned form is kept as received under its own name, and is also
//! drawn on stamped pages so it carries the same stamps and Bates numbers as every other page:
//! an image scan on one page, a PDF scan on one stamped page per page of the scan
//! ([`crate::pdf::scan`]).

use super::category::Category;
use super::packet::{EnclosureBody, PacketInput, pages_of, render_document};
use crate::pdf::{self, Part, PdfError, Stamp};

/// One laid-out file.
#[derive(Clone, Debug)]
pub struct LaidFile {
    pub path: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub pages: u32,
    pub bates_first: Option<String>,
    pub bates_last: Option<String>,
    pub title: String,
}

/// The packet's files, documents in `input.docs` order, then enclosures in `input.enclosures`
/// order (whatever their Bates order), and the packet's page total.
#[derive(Clone, Debug)]
pub struct Laid {
    pub docs: Vec<LaidFile>,
    pub enclosures: Vec<LaidFile>,
    pub total_pages: u32,
}

fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// File stem of a document (`documents/doc-000012-11506-3`).
pub fn doc_stem(document_id: i64, doc_type: &str) -> String {
    format!("documents/doc-{document_id:06}-{}", safe_name(doc_type))
}

/// The stamp of a packet's pages.
pub fn stamp_of(input: &PacketInput, prefix: &str, part2: bool) -> Stamp {
    let clean = |s: &str| crate::text::sanitize_line(s).into_owned();
    Stamp {
        facility: clean(&input.facility),
        patient_name: format!(
            "{}, {}",
            clean(&input.patient_family),
            clean(&input.patient_given)
        ),
        mrn: clean(&input.patient_mrn),
        birth_date: clean(&input.patient_birth_date),
        request: input.request_label.clone(),
        bates_prefix: prefix.to_string(),
        confidential: part2,
        created: input
            .released_at
            .get(..19)
            .unwrap_or(&input.released_at)
            .to_string(),
    }
}

/// Lay out every document and enclosure of `input`.
pub fn layout(input: &PacketInput) -> Result<Laid, PdfError> {
    let texts: Vec<String> = input
        .docs
        .iter()
        .map(|d| render_document(input, d))
        .collect();
    let Some(prefix) = &input.pdf else {
        return Ok(text_layout(input, texts));
    };
    let part2 = input
        .docs
        .iter()
        .any(|d| d.categories.contains(&Category::SudPart2));
    // Parts in Bates order, each remembering where its file goes.
    enum Slot {
        Doc(usize),
        Enc(usize),
    }
    let mut order: Vec<(Slot, Part)> = Vec::new();
    let enc_part = |i: usize| -> Result<(Slot, Part), PdfError> {
        let e = &input.enclosures[i];
        Ok(match &e.body {
            EnclosureBody::Text(t) => (
                Slot::Enc(i),
                Part::Text {
                    title: e.title.clone(),
                    text: t.clone(),
                },
            ),
            EnclosureBody::Scan { bytes, ext } if ext != "pdf" => (
                Slot::Enc(i),
                Part::Image {
                    title: e.title.clone(),
                    bytes: bytes.clone(),
                    what: format!("{}.{ext}", e.stem),
                },
            ),
            EnclosureBody::Scan { bytes, ext } => {
                let what = format!("{}.{ext}", e.stem);
                (
                    Slot::Enc(i),
                    Part::PdfScan {
                        title: e.title.clone(),
                        bytes: bytes.clone(),
                        pages: pdf::scan::page_count(bytes, &what)?,
                        what,
                    },
                )
            }
        })
    };
    for i in (0..input.enclosures.len()).filter(|&i| input.enclosures[i].front) {
        order.push(enc_part(i)?);
    }
    for (i, (d, t)) in input.docs.iter().zip(&texts).enumerate() {
        order.push((
            Slot::Doc(i),
            Part::Text {
                title: d.title.clone(),
                text: t.clone(),
            },
        ));
    }
    for i in (0..input.enclosures.len()).filter(|&i| !input.enclosures[i].front) {
        order.push(enc_part(i)?);
    }
    let total: u32 = order.iter().map(|(_, p)| p.pages()).sum();
    let parts: Vec<Part> = order.iter().map(|(_, p)| p.clone()).collect();
    let rendered = pdf::render_all(&stamp_of(input, prefix, part2), &parts, 1, total)?;
    let mut docs: Vec<Option<LaidFile>> = vec![None; input.docs.len()];
    let mut encs: Vec<Vec<LaidFile>> = vec![Vec::new(); input.enclosures.len()];
    for ((slot, _), r) in order.iter().zip(rendered) {
        match slot {
            Slot::Doc(i) => {
                let d = &input.docs[*i];
                docs[*i] = Some(LaidFile {
                    path: format!("{}.pdf", doc_stem(d.document_id, &d.doc_type)),
                    bytes: r.bytes,
                    content_type: pdf::PDF_A_CONTENT_TYPE,
                    pages: r.pages,
                    bates_first: Some(r.bates_first),
                    bates_last: Some(r.bates_last),
                    title: d.title.clone(),
                });
            }
            Slot::Enc(i) => {
                let e = &input.enclosures[*i];
                let stem = match &e.body {
                    EnclosureBody::Scan { .. } => format!("{}-stamped", e.stem),
                    EnclosureBody::Text(_) => e.stem.clone(),
                };
                encs[*i].push(LaidFile {
                    path: format!("{stem}.pdf"),
                    bytes: r.bytes,
                    content_type: pdf::PDF_A_CONTENT_TYPE,
                    pages: r.pages,
                    bates_first: Some(r.bates_first),
                    bates_last: Some(r.bates_last),
                    title: e.title.clone(),
                });
            }
        }
    }
    // Scans as received, after their stamped page.
    for (i, e) in input.enclosures.iter().enumerate() {
        if let EnclosureBody::Scan { bytes, ext } = &e.body {
            encs[i].push(scan_file(e, bytes, ext));
        }
    }
    Ok(Laid {
        docs: docs.into_iter().flatten().collect(),
        enclosures: encs.into_iter().flatten().collect(),
        total_pages: total,
    })
}

/// A scan as received; its page count is the PDF's own (an image is one page).
fn scan_file(e: &super::packet::Enclosure, bytes: &[u8], ext: &str) -> LaidFile {
    let pages = if ext == "pdf" {
        pdf::scan::page_count(bytes, &e.stem).unwrap_or(1)
    } else {
        1
    };
    let content_type = match ext {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
    LaidFile {
        path: format!("{}.{}", e.stem, safe_name(ext)),
        bytes: bytes.to_vec(),
        content_type,
        pages,
        bates_first: None,
        bates_last: None,
        title: format!("{} (as received)", e.title),
    }
}

fn text_layout(input: &PacketInput, texts: Vec<String>) -> Laid {
    let docs: Vec<LaidFile> = input
        .docs
        .iter()
        .zip(texts)
        .map(|(d, t)| LaidFile {
            path: format!("{}.txt", doc_stem(d.document_id, &d.doc_type)),
            pages: pages_of(&t),
            bytes: t.into_bytes(),
            content_type: super::packet::DOCUMENT_FORMAT,
            bates_first: None,
            bates_last: None,
            title: d.title.clone(),
        })
        .collect();
    let enclosures: Vec<LaidFile> = input
        .enclosures
        .iter()
        .map(|e| match &e.body {
            EnclosureBody::Text(t) => LaidFile {
                path: format!("{}.txt", e.stem),
                pages: pages_of(t),
                bytes: t.clone().into_bytes(),
                content_type: super::packet::DOCUMENT_FORMAT,
                bates_first: None,
                bates_last: None,
                title: e.title.clone(),
            },
            EnclosureBody::Scan { bytes, ext } => scan_file(e, bytes, ext),
        })
        .collect();
    let total_pages = docs.iter().chain(&enclosures).map(|f| f.pages).sum();
    Laid {
        docs,
        enclosures,
        total_pages,
    }
}
