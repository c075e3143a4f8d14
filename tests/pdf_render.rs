//! PDF/A-2b packet pages (issue #12): parsed back with lopdf — page count, the stamp on every
//! page (patient, MRN, DOB, request, `Page n of N`, Bates), the Part 2 band, embedded subset
//! fonts, PDF/A identification, and byte-identical re-rendering.

use chartdesk::pdf::{self, Part, Stamp};
use lopdf::{Document, Object};

fn stamp(confidential: bool) -> Stamp {
    Stamp {
        facility: "Demo General Hospital".into(),
        patient_name: "MÜLLER, Zoë".into(),
        mrn: "MRN00042".into(),
        birth_date: "1961-04-12".into(),
        request: "REQ-000042".into(),
        bates_prefix: "DGH".into(),
        confidential,
        created: "2026-03-05T14:30:00".into(),
    }
}

fn body(lines: usize) -> String {
    (1..=lines)
        .map(|i| format!("line {i} of the progress note\n"))
        .collect()
}

fn text_of(doc: &Document, page: u32) -> String {
    doc.extract_text(&[page]).unwrap_or_default()
}

/// Every stamped element on every page, the page count from the layout, Bates running on
/// through a second file.
#[test]
fn pages_carry_patient_request_page_and_bates_stamps() {
    let parts = vec![
        Part::Text {
            title: "Progress note".into(),
            text: body(130),
        },
        Part::Text {
            title: "Discharge summary".into(),
            text: body(10),
        },
    ];
    let total: u32 = parts.iter().map(Part::pages).sum();
    assert_eq!(total, 4, "130 lines = 3 pages of 60, then 1");
    let out = pdf::render_all(&stamp(false), &parts, 1, total).expect("render");
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].pages, 3);
    assert_eq!(
        (out[0].bates_first.as_str(), out[0].bates_last.as_str()),
        ("DGH0000001", "DGH0000003")
    );
    assert_eq!(
        (out[1].bates_first.as_str(), out[1].bates_last.as_str()),
        ("DGH0000004", "DGH0000004")
    );
    let d0 = Document::load_mem(&out[0].bytes).expect("parse");
    assert_eq!(d0.get_pages().len(), 3);
    for p in 1..=3u32 {
        let t = text_of(&d0, p);
        for want in [
            "MÜLLER, Zoë",
            "MRN00042",
            "1961-04-12",
            "REQ-000042",
            &format!("Page {p} of 4"),
            &format!("DGH000000{p}"),
        ] {
            assert!(t.contains(want), "page {p} lacks {want:?}: {t}");
        }
        assert!(
            !t.contains("REDISCLOSURE"),
            "no Part 2 band without Part 2 records"
        );
    }
    let d1 = Document::load_mem(&out[1].bytes).expect("parse");
    assert!(text_of(&d1, 1).contains("Page 4 of 4"));
    assert!(text_of(&d1, 1).contains("line 10 of the progress note"));
}

/// 42 CFR 2.32: the band on every page when a Part 2 record is in the packet.
#[test]
fn part2_packet_pages_carry_the_confidential_band() {
    let parts = vec![Part::Text {
        title: "SUD note".into(),
        text: body(70),
    }];
    let out = pdf::render_all(&stamp(true), &parts, 7, 2).expect("render");
    let d = Document::load_mem(&out[0].bytes).expect("parse");
    for p in 1..=2 {
        let t = text_of(&d, p);
        assert!(
            t.contains("CONFIDENTIAL") && t.contains("REDISCLOSURE PROHIBITED"),
            "{t}"
        );
    }
    assert_eq!(out[0].bates_first, "DGH0000007");
}

/// Fonts are embedded (FontFile2) and subset (`ABCDEF+` name tag); the file says PDF/A-2B in
/// its XMP metadata.
#[test]
fn fonts_are_embedded_and_subset_and_the_file_is_pdfa_2b() {
    let out = pdf::render_all(
        &stamp(true),
        &[Part::Text {
            title: "t".into(),
            text: body(3),
        }],
        1,
        1,
    )
    .expect("render");
    let d = Document::load_mem(&out[0].bytes).expect("parse");
    let mut subset_fonts = Vec::new();
    let mut embedded = 0;
    for (_, obj) in d.objects.iter() {
        if let Object::Dictionary(dict) = obj
            && dict.has(b"FontFile2")
        {
            embedded += 1;
            if let Ok(Object::Name(n)) = dict.get(b"FontName") {
                subset_fonts.push(String::from_utf8_lossy(n).to_string());
            }
        }
    }
    assert!(embedded >= 2, "regular and bold embedded, found {embedded}");
    for n in &subset_fonts {
        assert!(
            n.len() > 7 && n.as_bytes()[6] == b'+' && n.contains("DejaVuSansMono"),
            "{n}"
        );
    }
    let raw = String::from_utf8_lossy(&out[0].bytes);
    assert!(
        raw.contains("<pdfaid:part>2</pdfaid:part>")
            && raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "PDF/A-2B identification in XMP"
    );
}

/// The same input gives the same bytes (a re-send is byte-identical).
#[test]
fn rendering_is_deterministic() {
    let parts = vec![Part::Text {
        title: "t".into(),
        text: body(61),
    }];
    let a = pdf::render_all(&stamp(false), &parts, 1, 2).expect("render");
    let b = pdf::render_all(&stamp(false), &parts, 1, 2).expect("render");
    assert_eq!(a[0].bytes, b[0].bytes);
}

/// Characters DejaVu lacks are written as `?`, never as a .notdef glyph (PDF/A forbids it).
#[test]
fn characters_without_a_glyph_become_question_marks() {
    let parts = vec![Part::Text {
        title: "t".into(),
        text: "kanji \u{6f22} here\n".into(),
    }];
    let out = pdf::render_all(&stamp(false), &parts, 1, 1).expect("PDF/A export accepts it");
    let d = Document::load_mem(&out[0].bytes).expect("parse");
    assert!(text_of(&d, 1).contains("kanji ? here"));
}

#[test]
fn long_lines_wrap_at_ninety_columns() {
    let long = "word ".repeat(40);
    let pages = pdf::page_lines(&long);
    assert_eq!(pages.len(), 1);
    assert!(pages[0].len() >= 3);
    assert!(pages[0].iter().all(|l| l.chars().count() <= pdf::COLUMNS));
}

/// A scanned PDF goes on one stamped page per page of the scan: every page carries the stamp
/// and its Bates number, draws its page of the scan (a form XObject), and the file keeps the
/// PDF/A-2B identification and embedded fonts; the same input gives the same bytes; a file
/// that is not a readable PDF is refused by name.
#[test]
fn a_pdf_scan_is_stamped_page_by_page() {
    let scan = pdf::render_all(
        &stamp(false),
        &[Part::Text {
            title: "scanner output".into(),
            text: body(100),
        }],
        1,
        2,
    )
    .expect("scan")
    .remove(0)
    .bytes;
    assert_eq!(pdf::scan::page_count(&scan, "auth.pdf").expect("count"), 2);
    let err = pdf::scan::page_count(b"%PDF-1.4\n", "broken.pdf").expect_err("unreadable");
    assert!(err.to_string().contains("broken.pdf"), "{err}");
    let parts = vec![
        Part::Text {
            title: "Progress note".into(),
            text: body(10),
        },
        Part::PdfScan {
            title: "Signed authorization".into(),
            bytes: scan.clone(),
            what: "attachments/authorization-0001.pdf".into(),
            pages: 2,
        },
    ];
    let out = pdf::render_all(&stamp(true), &parts, 7, 3).expect("render");
    assert_eq!(out[1].pages, 2);
    assert_eq!(
        (out[1].bates_first.as_str(), out[1].bates_last.as_str()),
        ("DGH0000008", "DGH0000009")
    );
    let d = Document::load_mem(&out[1].bytes).expect("parse");
    assert_eq!(d.get_pages().len(), 2);
    for (n, (&no, &page)) in d.get_pages().iter().enumerate() {
        let t = text_of(&d, no);
        assert!(t.contains(&format!("Page {} of 3", n + 2)), "{t}");
        assert!(t.contains(&format!("DGH{:07}", n + 8)), "{t}");
        assert!(t.contains("MRN00042") && t.contains("REQ-000042"), "{t}");
        assert!(t.contains("REDISCLOSURE PROHIBITED"), "{t}");
        let (own, _) = d.get_page_resources(page).expect("resources");
        let xo = own
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|x| x.as_dict().ok())
            .expect("XObject");
        assert!(xo.has(b"ChartdeskScan"), "page {no} draws its scan page");
    }
    let fonts = d
        .objects
        .values()
        .filter(|o| matches!(o, Object::Dictionary(x) if x.has(b"FontFile2")))
        .count();
    assert!(fonts >= 2, "embedded fonts kept, found {fonts}");
    let raw = String::from_utf8_lossy(&out[1].bytes);
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"));
    let again = pdf::render_all(&stamp(true), &parts, 7, 3).expect("render");
    assert_eq!(again[1].bytes, out[1].bytes, "byte-identical");
}
