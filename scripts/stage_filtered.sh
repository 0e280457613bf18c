#!/usr/bin/env bash
# Stage FILE with the lines matching PATTERN removed (maintainer tool for partial commits).
set -euo pipefail
file=$1; pattern=$2
sha=$(grep -v -E "$pattern" "$file" | git hash-object -w --stdin)
git update-index --add --cacheinfo "100644,$sha,$file"
