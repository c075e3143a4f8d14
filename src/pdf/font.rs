//! DejaVu Sans Mono (regular and bold) as krilla fonts, with a character → glyph table built
//! once: a monospaced font needs no shaping, so lines are drawn glyph by glyph at a fixed
//! advance (fast enough for a 1,000-page packet). Characters the font lacks become `?`.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;

/// One face: its krilla font, glyph table and advance (em fraction).
struct Face {
    font: Font,
    glyphs: HashMap<char, u32>,
    question: u32,
    advance: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Face> {
        let font = Font::new(bytes.into(), 0)?;
        let r = skrifa::FontRef::new(bytes).ok()?;
        let loc = skrifa::instance::LocationRef::default();
        let upem = f32::from(
            r.metrics(skrifa::instance::Size::unscaled(), loc)
                .units_per_em,
        );
        let mut glyphs = HashMap::new();
        for (cp, gid) in r.charmap().mappings() {
            if let Some(c) = char::from_u32(cp)
                && gid.to_u32() != 0
            {
                glyphs.insert(c, gid.to_u32());
            }
        }
        let question = *glyphs.get(&'?')?;
        let m = r.glyph_metrics(skrifa::instance::Size::unscaled(), loc);
        let advance = m.advance_width(skrifa::GlyphId::new(question))? / upem;
        Some(Face {
            font,
            glyphs,
            question,
            advance,
        })
    }
}

/// The packet font (DejaVu Sans Mono regular and bold, from the `dejavu` crate).
pub struct Mono {
    regular: Face,
    bold: Face,
}

static MONO: OnceLock<Option<Mono>> = OnceLock::new();

impl Mono {
    /// The shared font. The bytes are compiled in, so loading cannot fail at run time; if it
    /// did, this panics at the first PDF (a build defect, not user input).
    #[allow(clippy::expect_used)]
    pub fn get() -> &'static Mono {
        MONO.get_or_init(|| {
            Some(Mono {
                regular: Face::load(dejavu::sans_mono::regular())?,
                bold: Face::load(dejavu::sans_mono::bold())?,
            })
        })
        .as_ref()
        .expect("DejaVu Sans Mono compiled into the binary parses")
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.regular.advance * size * text.chars().count() as f32
    }

    /// `text` as the font can write it: control characters dropped, characters it lacks as `?`.
    pub fn printable(&self, text: &str) -> String {
        text.chars()
            .filter(|c| !c.is_control())
            .map(|c| {
                if self.regular.glyphs.contains_key(&c) {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// Draw one line with its left end at (`x`, baseline `y`).
    pub fn draw(&self, s: &mut Surface<'_>, bold: bool, x: f32, y: f32, size: f32, text: &str) {
        let face = if bold { &self.bold } else { &self.regular };
        let text = self.printable(text);
        if text.is_empty() {
            return;
        }
        let mut glyphs = Vec::with_capacity(text.len());
        let mut at = 0usize;
        for c in text.chars() {
            let len = c.len_utf8();
            let gid = face.glyphs.get(&c).copied().unwrap_or(face.question);
            glyphs.push(KrillaGlyph {
                glyph_id: GlyphId::new(gid),
                text_range: Range {
                    start: at,
                    end: at + len,
                },
                x_advance: face.advance,
                x_offset: 0.0,
                y_offset: 0.0,
                y_advance: 0.0,
                location: None,
            });
            at += len;
        }
        s.draw_glyphs(
            Point::from_xy(x, y),
            &glyphs,
            face.font.clone(),
            &text,
            size,
            false,
        );
    }

    /// Draw one line ending at `right`.
    pub fn draw_right(
        &self,
        s: &mut Surface<'_>,
        bold: bool,
        right: f32,
        y: f32,
        size: f32,
        text: &str,
    ) {
        let w = self.width(&self.printable(text), size);
        self.draw(s, bold, right - w, y, size, text);
    }

    /// Draw one line centred on `mid`.
    pub fn draw_centered(
        &self,
        s: &mut Surface<'_>,
        bold: bool,
        mid: f32,
        y: f32,
        size: f32,
        text: &str,
    ) {
        let w = self.width(&self.printable(text), size);
        self.draw(s, bold, mid - w / 2.0, y, size, text);
    }
}
