-- Import ledger (src/import): every HL7 message applied, keyed by the SHA-256 of its content
-- (segments re-joined with CR, so LF/CRLF/MLLP framing of the same message hash alike).
-- A message whose hash is here is a re-delivery and changes nothing. Rows are never deleted.
CREATE TABLE import_messages (
    id             INTEGER PRIMARY KEY,
    format         TEXT NOT NULL CHECK (format IN ('hl7','fhir')),
    content_sha256 TEXT NOT NULL UNIQUE,
    control_id     TEXT NOT NULL,            -- MSH-10 (not unique in practice)
    message_type   TEXT NOT NULL,            -- MSH-9, e.g. ADT^A01
    file           TEXT NOT NULL,
    imported_at    TEXT NOT NULL             -- UTC ms
) STRICT;
CREATE INDEX encounters_source_key ON encounters(source_key);
CREATE INDEX patients_source_key ON patients(source_key);
CREATE INDEX documents_source_key ON documents(source_key);
CREATE INDEX providers_source_key ON providers(source_key);
CREATE INDEX clinical_facts_source_key ON clinical_facts(source_key);
