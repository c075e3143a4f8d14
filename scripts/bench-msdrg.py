#!/usr/bin/env python3
"""msdrg's in-process grouping rate, for `chartdesk bench --only claims` (issue #14).

Usage:
  python3 scripts/bench-msdrg.py --setup [--venv DIR]   # make the venv with msdrg==1.2.0
  DIR/bin/python scripts/bench-msdrg.py --time claims.jsonl
      # groups every claim (chartdesk's batch JSON format) with one MsdrgGrouper, timing the
      # loop only; prints {"claims": N, "seconds": S}

The venv defaults to <temp dir>/chartdesk-msdrg-venv (the one scripts/compare-msdrg.py
makes); `chartdesk bench` finds it there or at $CHARTDESK_MSDRG_VENV. Never run by cargo test.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "chartdesk-msdrg-venv"))
    ap.add_argument("--time")
    a = ap.parse_args()
    if a.setup:
        py = os.path.join(a.venv, "bin", "python")
        if not os.path.exists(py):
            venv.create(a.venv, with_pip=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "msdrg==1.2.0"], check=True)
        return
    import msdrg
    claims = [json.loads(line) for line in open(a.time) if line.strip()]
    reqs = [{
        "version": 430 if c["discharge"] < "2026-04-01" else 431,
        "age": 65, "sex": {"M": 0, "F": 1, "U": 2}[c["sex"]],
        "discharge_status": int(c["discharge_status"]),
        "hospital_status": "NOT_EXEMPT",
        "pdx": {"code": c["principal"]},
        "sdx": [{"code": s, **({"poa": p} if p else {})} for s, p in c["secondary"]],
        "procedures": [{"code": p} for p in c["procedures"]],
    } for c in claims]
    with msdrg.MsdrgGrouper() as g:
        g.group(reqs[0])
        t = time.perf_counter()
        for r in reqs:
            g.group(r)
        secs = time.perf_counter() - t
    json.dump({"claims": len(reqs), "seconds": secs}, sys.stdout)


if __name__ == "__main__":
    main()
