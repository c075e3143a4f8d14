-- chartdesk schema (issue #12): letter templates as facility data, letters sent, signed forms
-- attached to requests, deliveries; six-year retention (45 CFR 164.508(b)(6), 164.530(j)(2))
-- enforced by triggers. Numbered 0012 for the release-of-information part 3 branch (the lead
-- orders migrations at merge).

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
    request_id  INTEGER NOT NULL REFERENCES release_requests(id),
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    address     TEXT NOT NULL,
    body        TEXT NOT NULL,
    pdf_sha256  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    retain_until TEXT NOT NULL
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
