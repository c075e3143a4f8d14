//! A scanned PDF (a signed authorization or request letter) on stamped packet pages.
//!
//! krilla writes one stamped page per page of the scan (header, Part 2 band, `Page n of N`,
//! Bates number) with an empty body; each page of the scan is then drawn into that body as a
//! form XObject, scaled to fit and centred at the top, with lopdf. The stamped page keeps
//! krilla's PDF/A-2b metadata and embedded fonts; what the scan itself holds (an image, as a
//! scanner writes one) is drawn as received.
//!
//! Invariants: the stamped file has exactly as many pages as the scan ([`page_count`] is
//! what the layout counts, so `Page n of N` and the manifest are true); the page's own content
//! is wrapped in `q … Q`, so the scan is drawn in the page's default coordinates whatever the
//! stamp's content leaves set; the output is a pure function of the inputs.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::PdfError;

fn bad(what: &str, why: impl std::fmt::Display) -> PdfError {
    PdfError::Image {
        what: what.to_string(),
        why: format!("not a readable PDF: {why}"),
    }
}

/// Pages of the PDF `bytes` (`what` names it in errors); a PDF without pages is refused.
pub fn page_count(bytes: &[u8], what: &str) -> Result<u32, PdfError> {
    let doc = Document::load_mem(bytes).map_err(|e| bad(what, e))?;
    let n = doc.get_pages().len();
    if n == 0 {
        return Err(bad(what, "it has no pages"));
    }
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The page's MediaBox, looked up through its parents; Letter when none is found.
fn media_box(doc: &Document, page: ObjectId) -> [f32; 4] {
    let mut id = Some(page);
    let mut seen = 0;
    while let Some(cur) = id {
        seen += 1;
        if seen > 32 {
            break;
        }
        let Ok(d) = doc.get_dictionary(cur) else {
            break;
        };
        if let Ok(mb) = d.get(b"MediaBox") {
            let mb = doc.dereference(mb).map(|(_, o)| o).unwrap_or(mb);
            if let Ok(a) = mb.as_array() {
                let v: Vec<f32> = a.iter().filter_map(number).collect();
                if v.len() == 4 && v[2] > v[0] && v[3] > v[1] {
                    return [v[0], v[1], v[2], v[3]];
                }
            }
        }
        id = d.get(b"Parent").and_then(Object::as_reference).ok();
    }
    [0.0, 0.0, 612.0, 792.0]
}

/// The page's resources merged into one dictionary (inherited ones first, the page's own win).
fn resources(doc: &Document, page: ObjectId) -> Dictionary {
    let mut out = Dictionary::new();
    if let Ok((own, inherited)) = doc.get_page_resources(page) {
        for id in inherited.iter().rev() {
            if let Ok(d) = doc.get_dictionary(*id) {
                for (k, v) in d.iter() {
                    out.set(k.clone(), v.clone());
                }
            }
        }
        if let Some(d) = own {
            for (k, v) in d.iter() {
                out.set(k.clone(), v.clone());
            }
        }
    }
    out
}

/// Draw every page of `scan` into the body of the matching page of `stamped` (a krilla file
/// with one empty-bodied stamped page per scan page). `body` is (x, top, width, height) in
/// the page's top-down layout units; `page_h` the page height.
pub fn overlay(
    stamped: &[u8],
    scan: &[u8],
    what: &str,
    body: (f32, f32, f32, f32),
    page_h: f32,
) -> Result<Vec<u8>, PdfError> {
    let export = |e: lopdf::Error| PdfError::Export(format!("{what}: {e}"));
    let mut base = Document::load_mem(stamped).map_err(export)?;
    let mut src = Document::load_mem(scan).map_err(|e| bad(what, e))?;
    src.renumber_objects_with(base.max_id + 1);
    let src_pages: Vec<ObjectId> = src.get_pages().into_values().collect();
    let base_pages: Vec<ObjectId> = base.get_pages().into_values().collect();
    if src_pages.len() != base_pages.len() {
        return Err(PdfError::Export(format!(
            "{what}: {} scan pages for {} stamped pages",
            src_pages.len(),
            base_pages.len()
        )));
    }
    let forms: Vec<(Vec<u8>, Dictionary, [f32; 4])> = src_pages
        .iter()
        .map(|p| {
            (
                src.get_page_content(*p),
                resources(&src, *p),
                media_box(&src, *p),
            )
        })
        .collect();
    base.max_id = base.max_id.max(src.max_id);
    for (id, obj) in std::mem::take(&mut src.objects) {
        base.objects.insert(id, obj);
    }
    let (bx, btop, bw, bh) = body;
    for (page_id, (content, res, mb)) in base_pages.into_iter().zip(forms) {
        let (w, h) = (mb[2] - mb[0], mb[3] - mb[1]);
        let s = (bw / w).min(bh / h);
        let (dw, dh) = (w * s, h * s);
        let tx = bx + (bw - dw) / 2.0 - mb[0] * s;
        let ty = page_h - btop - dh - mb[1] * s;
        let mut form = Dictionary::new();
        form.set("Type", Object::Name(b"XObject".to_vec()));
        form.set("Subtype", Object::Name(b"Form".to_vec()));
        form.set(
            "BBox",
            Object::Array(mb.iter().map(|v| Object::Real(*v)).collect()),
        );
        form.set("Resources", Object::Dictionary(res));
        let mut xs = Stream::new(form, content);
        let _ = xs.compress();
        let xid = base.add_object(xs);
        let open = base.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
        let draw = format!("\nQ\nq {s:.5} 0 0 {s:.5} {tx:.3} {ty:.3} cm /ChartdeskScan Do Q\n");
        let close = base.add_object(Stream::new(Dictionary::new(), draw.into_bytes()));
        // The page's resources, inline, with the scan's XObject added.
        let page = base.get_dictionary(page_id).map_err(export)?.clone();
        let mut page_res = match page.get(b"Resources") {
            Ok(Object::Reference(r)) => base.get_dictionary(*r).map_err(export)?.clone(),
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        let mut xobjects = match page_res.get(b"XObject") {
            Ok(Object::Reference(r)) => base.get_dictionary(*r).map_err(export)?.clone(),
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        xobjects.set("ChartdeskScan", Object::Reference(xid));
        page_res.set("XObject", Object::Dictionary(xobjects));
        let mut contents = vec![Object::Reference(open)];
        match page.get(b"Contents") {
            Ok(Object::Reference(r)) => contents.push(Object::Reference(*r)),
            Ok(Object::Array(a)) => contents.extend(a.iter().cloned()),
            _ => {}
        }
        contents.push(Object::Reference(close));
        let d = base.get_dictionary_mut(page_id).map_err(export)?;
        d.set("Resources", Object::Dictionary(page_res));
        d.set("Contents", Object::Array(contents));
    }
    base.prune_objects();
    let mut out = Vec::new();
    base.save_to(&mut out)
        .map_err(|e| PdfError::Export(format!("{what}: {e}")))?;
    Ok(out)
}
