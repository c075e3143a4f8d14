//! Encrypted release packets (AUD-05): with `release_zip_encryption = AES256` the packet zip is a
//! WinZip AES-256 archive (AE-2, a random salt per file, PBKDF2 key derivation), readable by
//! 7-Zip, WinZip and macOS Archive Utility's successors. The passphrase is random (~118 bits,
//! shown once to the releaser to give the recipient by another channel) and never stored.
//! Needs the `encryption` build; without it the setting is refused at release time rather than
//! silently writing a plain zip.

use crate::store::Reader;

use crate::error::CoreError;
use crate::settings;

/// A fresh passphrase when the setting asks for an encrypted zip, else `None`.
pub fn passphrase_for(conn: &Reader) -> Result<Option<String>, CoreError> {
    let mode = settings::get(conn, crate::settings::Key::ReleaseZipEncryption)?;
    if !mode.trim().eq_ignore_ascii_case("AES256") {
        return Ok(None);
    }
    if !cfg!(feature = "encryption") {
        return Err(CoreError::invalid(
            "release_zip_encryption",
            "AES256 needs the encryption build of chartdesk (cargo feature `encryption`); the packet was not written (AUD-05)",
        ));
    }
    let mut bytes = [0u8; 24];
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| CoreError::invalid("release_zip_encryption", format!("no randomness: {e}")))?;
    // 24 characters from an unambiguous 31-letter alphabet (~118 bits), in groups of four, easy
    // to read out over the phone.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    Ok(Some(groups.join("-")))
}

/// The packet files as an AES-256 encrypted zip dated `dos_date`/`dos_time`.
#[cfg(feature = "encryption")]
pub fn encrypted_zip(
    files: &[(String, Vec<u8>)],
    passphrase: &str,
    dos_date: u16,
    dos_time: u16,
) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let when = zip::DateTime::try_from_msdos(dos_date, dos_time).unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when)
        .with_aes_encryption(zip::AesMode::Aes256, passphrase);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(name.as_str(), options)
            .map_err(std::io::Error::other)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(not(feature = "encryption"))]
pub fn encrypted_zip(
    _files: &[(String, Vec<u8>)],
    _passphrase: &str,
    _dos_date: u16,
    _dos_time: u16,
) -> std::io::Result<Vec<u8>> {
    Err(std::io::Error::other(
        "encrypted packets need the encryption build (cargo feature `encryption`)",
    ))
}

#[cfg(all(test, feature = "encryption"))]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn aud_05_encrypted_packet_zip_opens_only_with_its_passphrase() {
        let files = vec![
            (
                "manifest.json".to_string(),
                b"{\"patient\":\"Rivera\"}".to_vec(),
            ),
            (
                "documents/1.txt".to_string(),
                b"CHIEF COMPLAINT: chest pain".to_vec(),
            ),
        ];
        let z = encrypted_zip(&files, "abcd-efgh", 0x5b79, 0).unwrap();
        assert!(
            !z.windows(6).any(|w| w == b"Rivera"),
            "plaintext in the zip"
        );
        assert!(!z.windows(5).any(|w| w == b"chest"), "plaintext in the zip");
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(z.clone())).unwrap();
        let mut text = String::new();
        a.by_name_decrypt("documents/1.txt", b"abcd-efgh")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "CHIEF COMPLAINT: chest pain");
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(z)).unwrap();
        assert!(a.by_name_decrypt("manifest.json", b"wrong").is_err());
    }
}
