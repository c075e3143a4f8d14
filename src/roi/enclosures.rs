//! What goes in a release packet beside the documents (issue #12): the letters sent on the
//! request (the cover letter first), the signed forms attached to it, and the amendment
//! material that must go with the disclosed documents (164.526(c)(1), (d)(5)), each as its own
//! file.

use rusqlite::params;

use super::packet::{Enclosure, EnclosureBody};
use super::request::RequestRecord;
use crate::error::CoreError;

/// The enclosures of `rec`'s packet: letters in the order sent (a cover letter goes before the
/// documents), then attached forms in the order attached.
pub fn for_release(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    documents: &[i64],
) -> Result<Vec<Enclosure>, CoreError> {
    let mut out = Vec::new();
    let mut st = conn
        .prepare("SELECT id, kind, title, body FROM letters WHERE request_id = ?1 ORDER BY id")?;
    let letters = st.query_map(params![rec.id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for l in letters {
        let (id, kind, title, body) = l?;
        out.push(Enclosure {
            stem: format!("letters/letter-{id:04}-{kind}"),
            title,
            body: EnclosureBody::Text(body),
            front: kind == "cover",
        });
    }
    let mut st = conn.prepare(
        "SELECT id, kind, file_name, bytes FROM request_attachments WHERE request_id = ?1 ORDER BY id",
    )?;
    let forms = st.query_map(params![rec.id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    for f in forms {
        let (id, kind, name, bytes) = f?;
        let ext = super::attachments::extension_of(&bytes).unwrap_or("bin");
        out.push(Enclosure {
            stem: format!("attachments/{kind}-{id:04}"),
            title: format!(
                "Signed {} ({})",
                kind.replace('_', " "),
                crate::text::sanitize_line(&name)
            ),
            body: EnclosureBody::Scan {
                bytes,
                ext: ext.to_string(),
            },
            front: false,
        });
    }
    out.extend(super::amendment::carried_with(
        conn,
        rec.patient_id,
        documents,
    )?);
    Ok(out)
}
