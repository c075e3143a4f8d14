-- chartdesk schema (issue #12): letter templates as facility data, letters sent, signed forms
-- attached to requests, deliveries; six-year retention (45 CFR 164.508(b)(6), 164.530(j)(2))
-- enforced by triggers. Numbered 0012 for the release-of-information part 3 branch (the lead
-- orders migrations at merge).

-- Amendment requests (45 CFR 164.526): their own queue and clock (60 days, one 30-day
-- extension with notice). Rows are never deleted (164.526(f), 164.530(j)).
CREATE TABLE amendment_requests (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patients(id),
    received        TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    requested_change TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    document_ids    TEXT NOT NULL DEFAULT '',          -- affected documents, comma list
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','denied')),
    due             TEXT NOT NULL,
    ext_reason      TEXT,
    ext_notice_on   TEXT,
    decided_at      TEXT,
    decided_by      TEXT,
    denial_basis    TEXT,                              -- AMEND_DENY_* (164.526(a)(2))
    denial_note     TEXT,
    amendment_text  TEXT,                              -- the accepted amendment as appended
    notify          TEXT NOT NULL DEFAULT '[]',        -- JSON: who must be told (164.526(c)(3))
    carry_request_and_denial INTEGER NOT NULL DEFAULT 0, -- 164.526(d)(5)(ii)
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX amendment_requests_patient ON amendment_requests(patient_id, id);
CREATE INDEX amendment_requests_status ON amendment_requests(status, due);
CREATE TRIGGER amendment_requests_keep BEFORE DELETE ON amendment_requests
    BEGIN SELECT RAISE(ABORT, 'amendment requests are kept (45 CFR 164.526(f), 164.530(j)) and cannot be deleted'); END;

-- Statements of disagreement and rebuttals, appended to the record (164.526(d)(4)).
CREATE TABLE amendment_statements (
    id           INTEGER PRIMARY KEY,
    amendment_id INTEGER NOT NULL REFERENCES amendment_requests(id),
    kind         TEXT NOT NULL CHECK (kind IN ('disagreement','rebuttal')),
    text         TEXT NOT NULL,
    filed_on     TEXT NOT NULL,
    filed_by     TEXT NOT NULL
);
CREATE TRIGGER amendment_statements_keep BEFORE DELETE ON amendment_statements
    BEGIN SELECT RAISE(ABORT, 'statements of disagreement and rebuttals stay with the record (45 CFR 164.526(d)(4))'); END;
CREATE TRIGGER amendment_statements_frozen BEFORE UPDATE ON amendment_statements
    BEGIN SELECT RAISE(ABORT, 'a filed statement is never changed (45 CFR 164.526(d)(4))'); END;

-- Restrictions the facility agreed to, and the mandatory self-pay restriction (164.522(a)).
CREATE TABLE restrictions (
    id             INTEGER PRIMARY KEY,
    patient_id     INTEGER NOT NULL REFERENCES patients(id),
    kind           TEXT NOT NULL CHECK (kind IN ('agreed','self_pay')),
    recipient_types TEXT NOT NULL DEFAULT '',          -- requester types it binds ('' = PROVIDER_TX, PAYER)
    document_ids   TEXT NOT NULL DEFAULT '',           -- '' = every document (or the encounter)
    encounter      TEXT NOT NULL DEFAULT '',           -- visit number of the self-paid items
    description    TEXT NOT NULL,
    agreed_on      TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    ended_on       TEXT,
    ended_by       TEXT,
    end_reason     TEXT
);
CREATE INDEX restrictions_patient ON restrictions(patient_id, id);
CREATE TRIGGER restrictions_keep BEFORE DELETE ON restrictions
    BEGIN SELECT RAISE(ABORT, 'restrictions are ended, never deleted (45 CFR 164.522(a)(3), 164.530(j))'); END;

-- Confidential-communication addresses (164.522(b)): every letter to the individual uses it.
CREATE TABLE confidential_addresses (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients(id),
    address     TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX confidential_addresses_patient ON confidential_addresses(patient_id, id);

-- Editable letter templates: `{{field}}` placeholders filled from the request (see
-- src/letters/fields.rs for the field list). Seeded with defaults a supervisor edits.
CREATE TABLE letter_templates (
    kind       TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    to_individual INTEGER NOT NULL DEFAULT 0,   -- 1 = addressed to the individual (164.522(b))
    updated_at TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT 'system'
);

-- Every letter sent: its filled text as sent, the PDF's checksum; never deleted before
-- retain_until, never changed.
CREATE TABLE letters (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER REFERENCES release_requests(id),
    amendment_id INTEGER REFERENCES amendment_requests(id),
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    address     TEXT NOT NULL,
    body        TEXT NOT NULL,
    pdf_sha256  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    retain_until TEXT NOT NULL,
    CHECK ((request_id IS NULL) <> (amendment_id IS NULL))
);
CREATE INDEX letters_request ON letters(request_id, id);
CREATE TRIGGER letters_keep BEFORE DELETE ON letters
    WHEN date('now') < OLD.retain_until
    BEGIN SELECT RAISE(ABORT, 'letters are kept six years (45 CFR 164.530(j)(2)) and cannot be deleted'); END;
CREATE TRIGGER letters_frozen BEFORE UPDATE ON letters
    BEGIN SELECT RAISE(ABORT, 'a letter sent is never changed (45 CFR 164.530(j))'); END;

-- Scanned signed authorizations and request letters, as received, with their SHA-256.
CREATE TABLE request_attachments (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES release_requests(id),
    kind         TEXT NOT NULL CHECK (kind IN ('authorization','request_letter','other')),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    attached_at  TEXT NOT NULL,
    attached_by  TEXT NOT NULL,
    retain_until TEXT NOT NULL
);
CREATE INDEX request_attachments_request ON request_attachments(request_id, id);
CREATE TRIGGER request_attachments_keep BEFORE DELETE ON request_attachments
    WHEN date('now') < OLD.retain_until
    BEGIN SELECT RAISE(ABORT, 'signed forms are kept six years (45 CFR 164.508(b)(6), 164.530(j)(2)) and cannot be deleted'); END;
CREATE TRIGGER request_attachments_frozen BEFORE UPDATE OF bytes, sha256, kind, request_id ON request_attachments
    BEGIN SELECT RAISE(ABORT, 'a signed form is kept as received (45 CFR 164.530(j))'); END;

-- Requests holding an authorization or a denial are kept six years from their last date.
CREATE TRIGGER release_requests_keep BEFORE DELETE ON release_requests
    WHEN OLD.deny_reason IS NOT NULL OR OLD.authorization IS NOT NULL
      OR EXISTS (SELECT 1 FROM letters WHERE request_id = OLD.id)
      OR EXISTS (SELECT 1 FROM request_attachments WHERE request_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'authorizations, denials and their letters are kept six years (45 CFR 164.508(b)(6), 164.530(j)(2)) and cannot be deleted'); END;

-- The SHA-256 of the packet zip as released (a delivery sends exactly these bytes).
ALTER TABLE release_requests ADD COLUMN packet_zip_sha256 TEXT;
-- Pages of the whole packet (letters and stamped scans included): its Bates range is 1..this.
ALTER TABLE release_requests ADD COLUMN packet_pages_total INTEGER;

-- Each delivery of a packet: how, tracking/confirmation number, when, by whom, and the SHA-256
-- of what was sent; a re-send names the delivery it repeats and must send the same bytes.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES release_requests(id),
    method      TEXT NOT NULL CHECK (method IN ('mail','certified_mail','courier','email','portal','fax','pickup')),
    tracking    TEXT NOT NULL DEFAULT '',
    zip_sha256  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    resend_of   INTEGER REFERENCES deliveries(id)
);
CREATE INDEX deliveries_request ON deliveries(request_id, id);
CREATE TRIGGER deliveries_frozen BEFORE UPDATE ON deliveries
    BEGIN SELECT RAISE(ABORT, 'a delivery record is never changed; record a re-send'); END;
CREATE TRIGGER deliveries_keep BEFORE DELETE ON deliveries
    BEGIN SELECT RAISE(ABORT, 'delivery records are never deleted'); END;

INSERT INTO letter_templates(kind, title, to_individual, body) VALUES
('acknowledgement', 'Acknowledgement of request', 0,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - records of {{patient_name}} (DOB {{dob}})

We received your request for health information on {{received}} and logged it as {{request}}.
Please quote this number in any letter or call about it. We will act on the request by
{{due}}.

Sincerely,
{{staff}}
Release of Information, {{facility}}
'),
('fee_estimate', 'Fee estimate and prepayment request', 0,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - records of {{patient_name}} (DOB {{dob}})

The copies you asked for come to about {{pages}} page(s). The fee is estimated as follows:

{{fee_lines}}

The fee follows {{fee_rule}}. Please send the amount of {{fee_total}} before we release the
copies, quoting {{request}}.

Sincerely,
{{staff}}
'),
('rejection', 'Authorization not valid', 0,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - records of {{patient_name}} (DOB {{dob}})

We cannot release the records on the authorization we received, because it is not valid under
45 CFR 164.508. It has these defects:

{{defects}}

Please send a new authorization, signed by the patient or their personal representative, that
corrects each point above. Quote {{request}}.

Sincerely,
{{staff}}
'),
('extension', 'Extension of time to act on your request', 1,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - your request for access received {{received}}

Under 45 CFR 164.524(b)(2) we are taking one extension of up to 30 days to act on your
request. The reason for the delay: {{ext_reason}}.
We will complete our action by {{new_due}}.

Sincerely,
{{staff}}
'),
('denial', 'Denial of access', 1,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - your request for access received {{received}}

We have denied your request, in whole or in part (45 CFR 164.524(d)(2)).

Basis for the denial: {{deny_basis}}

Your review right: {{review_right}}

How to complain: you may complain to us by writing to {{complaint_contact}}, or to the
Secretary of the U.S. Department of Health and Human Services, Office for Civil Rights, at
www.hhs.gov/ocr/complaints or 200 Independence Avenue SW, Washington, DC 20201
(45 CFR 160.306). We will not retaliate against you for filing a complaint.

Sincerely,
{{staff}}
'),
('no_records', 'No records found', 0,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - records of {{patient_name}} (DOB {{dob}})

After a search of our records for the period and kinds of records you asked for, we found no
records that answer your request. If you think we should hold records, please write with more
detail (dates of service, the department seen), quoting {{request}}.

Sincerely,
{{staff}}
'),
('custodian_certificate', 'Certificate of the custodian of records', 0,
'CERTIFICATE OF THE CUSTODIAN OF RECORDS

Re: {{request}} - records of {{patient_name}} (DOB {{dob}}, MRN {{mrn}})
Requested by: {{addressee}}

I, {{staff}}, am a custodian of the records of {{facility}}, or am otherwise qualified by
my duties to make this certificate. I certify that:

1. The enclosed records, {{pages}} page(s) numbered {{bates_range}}, are true and complete
   copies of the records described in the request.
2. The records were made at or near the time of the acts, conditions or events recorded, by -
   or from information transmitted by - a person with knowledge of those matters.
3. The records were kept in the course of the regularly conducted activity of {{facility}}, and
   making them was a regular practice of that activity.

Documents enclosed:
{{documents}}

Signed ______________________________   Date {{today}}
{{staff}}, Custodian of Records
'),
('cover', 'Cover letter', 0,
'{{facility}}
Health Information Management - Release of Information

{{today}}

{{addressee}}
{{address}}

Re: {{request}} - records of {{patient_name}} (DOB {{dob}})

Enclosed are the records released in answer to your request, {{pages}} page(s) numbered
{{bates_range}}:

{{documents}}

This information has been disclosed to you from records protected by federal and state law.
Use it only for the purpose for which it was released.

Sincerely,
{{staff}}
');

INSERT INTO letter_templates(kind, title, to_individual, body) VALUES
('amendment_extension', 'Extension of time to act on your amendment request', 1,
'{{facility}}
Health Information Management

{{today}}

{{addressee}}
{{address}}

Re: {{amendment}} - your request to amend your record, received {{received}}

Under 45 CFR 164.526(b)(2) we are taking one extension of up to 30 days to act on your
request. The reason for the delay: {{ext_reason}}.
We will complete our action by {{new_due}}.

Sincerely,
{{staff}}
'),
('amendment_accepted', 'Your amendment request is accepted', 1,
'{{facility}}
Health Information Management

{{today}}

{{addressee}}
{{address}}

Re: {{amendment}} - your request to amend your record, received {{received}}

We have accepted your request (45 CFR 164.526(c)). The amendment has been appended to the
affected records:
{{amendment_documents}}

We will inform the persons you named, and the persons we know received the information and may
rely on it, within a reasonable time (164.526(c)(3)). Please tell us if anyone else should be
informed.

Sincerely,
{{staff}}
'),
('amendment_denial', 'Denial of your amendment request', 1,
'{{facility}}
Health Information Management

{{today}}

{{addressee}}
{{address}}

Re: {{amendment}} - your request to amend your record, received {{received}}

You asked us to change: {{requested_change}}

We have denied your request (45 CFR 164.526(d)(1)).

Basis for the denial: {{deny_basis}}

Your right to disagree: you may file a written statement disagreeing with the denial and saying
why. Send it to {{complaint_contact}}, quoting {{amendment}}. We will append it to your record
and send it with every later disclosure of the information it concerns (164.526(d)(4)-(5)). We
may write a rebuttal; if we do, we will send you a copy.

If you do not file a statement of disagreement, you may ask us to send your request and this
denial with any later disclosure of the information (164.526(d)(5)(ii)).

How to complain: you may complain to us by writing to {{complaint_contact}}, or to the
Secretary of the U.S. Department of Health and Human Services, Office for Civil Rights, at
www.hhs.gov/ocr/complaints or 200 Independence Avenue SW, Washington, DC 20201.

Sincerely,
{{staff}}
');

-- Multi-patient requests (payer audits, research sets): one batch, one child request per
-- patient (own authorization or the batch's legal basis, own selection and validation, own
-- disclosure row); released as one packet with a folder per patient.
CREATE TABLE request_batches (
    id                INTEGER PRIMARY KEY,
    requester_type    TEXT NOT NULL,
    requester_name    TEXT NOT NULL,
    requester_address TEXT NOT NULL DEFAULT '',
    purpose           TEXT NOT NULL DEFAULT '',
    received          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    released_at       TEXT,
    released_by       TEXT,
    packet_sha256     TEXT
);
ALTER TABLE release_requests ADD COLUMN batch_id INTEGER REFERENCES request_batches(id);
CREATE INDEX release_requests_batch ON release_requests(batch_id) WHERE batch_id IS NOT NULL;
