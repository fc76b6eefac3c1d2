#!/usr/bin/env bash
# Prints what the last TCK runs really did: JUnit's totals, and how many of those were only
# "EXCLUDING TEST" placeholders (an excluded TCK test is reported as passed). Two runs: the TCK on one
# member (with the annotation tests), and the TCK with this JVM one member of a three-member cluster.
set -euo pipefail
base="$(dirname "$0")/target"
status=0
for run in "one member:surefire-reports" "three-member cluster:surefire-reports-cluster"; do
  name="${run%%:*}"
  dir="$base/${run#*:}"
  if [ ! -d "$dir" ]; then
    echo "TCK ($name): no reports in $dir"
    status=1
    continue
  fi
  python3 - "$name" "$dir" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
name, d = sys.argv[1], sys.argv[2]
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
print(f"TCK ({name}): {tests} reported, {failures} failures, {errors} errors, {skipped} skipped; "
      f"{len(excluded)} of them only logged EXCLUDING TEST; really run: {tests - len(excluded)}")
for line in excluded:
    print("  " + line)
PY
done
exit $status
