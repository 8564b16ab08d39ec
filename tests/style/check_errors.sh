#!/usr/bin/env bash
# Rule 3 of "How errors travel" (src/pkcs11/rv.hpp): a PKCS#11 entry point
# (src/pkcs11/fn_*.cpp) returns a bare CK_RV only for answers that are not
# failures (CKR_OK, CKR_BUFFER_TOO_SMALL, CKR_NO_EVENT); every failure is
# thrown with its cause (failRv, tessera::Error), so that guarded() logs why.
# Also rule 1: no layer below src/pkcs11 names a CK_RV.
# Usage: check_errors.sh [SRC_DIR]   (default: the repository's src/)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)/src}
# Files not yet under the rule (none).
pending=()
# FILE's lines with // comments cut off (a comment may name a CK_RV)
code() { awk '{ sub(/\/\/.*/, ""); print }' "$1"; }
bad=0
checked=0
for file in "$src"/pkcs11/fn_*.cpp; do
    name=$(basename "$file")
    if printf '%s\n' "${pending[@]}" | grep -qxF "$name"; then
        echo "check_errors: $name not checked yet (pending)"
        continue
    fi
    checked=$((checked + 1))
    # a `return` whose value names a CKR_ other than the three answers
    while IFS= read -r hit; do
        echo "check_errors: src/pkcs11/$name:$hit: a failure returned without its cause (use failRv(CKR_..., \"why\"))" >&2
        bad=$((bad + 1))
    done < <(code "$file" | grep -noE '\breturn\b[^;]*\bCKR_[A-Z_]+[^;]*;' |
        grep -vE '^[0-9]+:return (CKR_OK|CKR_BUFFER_TOO_SMALL|CKR_NO_EVENT);$' || true)
done
for layer in common apdu crypto card-drivers pcsc; do
    while IFS= read -r -d '' file; do
        while IFS= read -r hit; do
            echo "check_errors: src/${file#"$src"/}:$hit: a layer below src/pkcs11 names a CK_RV (throw tessera::Error)" >&2
            bad=$((bad + 1))
        done < <(code "$file" | grep -nE '\bCKR_[A-Z_]+' || true)
    done < <(find "$src/$layer" -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0)
done
if [ "$bad" -gt 0 ]; then
    echo "check_errors: $bad violation(s) of the error rule (src/pkcs11/rv.hpp)" >&2
    exit 1
fi
echo "check_errors: $checked entry-point files keep the error rule"
