#!/usr/bin/env bash
# Prints what the last TCK run really did: JUnit's totals, and how many of those were only
# "EXCLUDING TEST" placeholders (an excluded TCK test is reported as passed).
set -euo pipefail
dir="$(dirname "$0")/target/surefire-reports"
[ -d "$dir" ] || { echo "no TCK reports in $dir"; exit 1; }
python3 - "$dir" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
tests = failures = errors = skipped = 0
excluded = []
for path in glob.glob(d + "/TEST-*.xml"):
    root = ET.parse(path).getroot()
    tests += int(root.get("tests", 0)); failures += int(root.get("failures", 0))
    errors += int(root.get("errors", 0)); skipped += int(root.get("skipped", 0))
for path in glob.glob(d + "/*-output.txt") + glob.glob(d + "/*.txt"):
    for line in open(path, errors="replace"):
        if "EXCLUDING TEST" in line:
            excluded.append(line.strip())
excluded = sorted(set(excluded))
print(f"TCK: {tests} reported, {failures} failures, {errors} errors, {skipped} skipped; "
      f"{len(excluded)} of them only logged EXCLUDING TEST; really run: {tests - len(excluded)}")
for line in excluded:
    print("  " + line)
PY
