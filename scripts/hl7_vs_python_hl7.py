#!/usr/bin/env python3
"""Compare chartdesk's end-to-end HL7 import rate with PyPI `hl7` (python-hl7) parse-only.

Optional bench for issue 18: the same 5,000 ADT messages `chartdesk bench --only hl7` uses
are parsed by python-hl7 (parse only, no storage), then imported end to end by chartdesk
(parse, match, write, audit, fsync) into a fresh database. Target: chartdesk ≥ 10× python-hl7.

    pip install hl7          # in a virtualenv
    python3 scripts/hl7_vs_python_hl7.py target/release/chartdesk
"""
import os
import subprocess
import sys
import tempfile
import time

try:
    import hl7  # python-hl7
except ImportError:
    sys.exit("python-hl7 is not installed (pip install hl7); nothing measured")


def message(i: int) -> str:
    event, discharge = ("A01", "") if i % 2 == 0 else ("A03", "20261102120000")
    k = i // 2
    return (
        f"MSH|^~\\&|BENCH|FAC|CD|HIM|20261101080000||ADT^{event}|C{i}|P|2.5\rEVN|{event}|20261101080000\r"
        f"PID|1||B{k:07}^^^FAC^MR||PATIENT{k}^TEST||19700101|F\r"
        f"PV1|1|I|W1^1^1||||1234^HOUSE^GREG|||MED|||||||||BV{k:07}|||||||||||||||||||||||||20261101080000|{discharge}\r"
    )


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/chartdesk"
    n = 5000
    messages = [message(i) for i in range(n)]
    t = time.perf_counter()
    for m in messages:
        hl7.parse(m)
    py_rate = n / (time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "batch.hl7")
        with open(path, "w") as f:
            f.write("".join(messages))
        db = os.path.join(d, "t.db")
        subprocess.run([binary, "--db", db, "init"], check=True, capture_output=True)
        t = time.perf_counter()
        subprocess.run([binary, "--db", db, "import", "hl7", path], check=True, capture_output=True)
        cd_rate = n / (time.perf_counter() - t)
    print(f"python-hl7 parse only {py_rate:9.0f} msg/s")
    print(f"chartdesk end to end  {cd_rate:9.0f} msg/s = {cd_rate / py_rate:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
