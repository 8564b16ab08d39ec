#!/usr/bin/env bash
# design.md's layers, checked on the sources: a file in src/LAYER may include
# only "LAYER/..." and the layers below it. The build enforces the same rule
# (cmake/layers.cmake: per-target include roots); this check names the
# offending line even for a header no target compiles yet.
#   common < apdu < crypto < card-drivers < pkcs11;  pcsc above common only,
#   seen only by pkcs11.
# Usage: check_layers.sh [SRC_DIR]   (default: the repository's src/)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)/src}
declare -A allowed=(
    [common]="common"
    [apdu]="apdu common"
    [crypto]="crypto common"
    [card-drivers]="card-drivers crypto apdu common"
    [pcsc]="pcsc common"
    [pkcs11]="pkcs11 card-drivers crypto apdu pcsc common"
)
bad=0
checked=0
for dir in "$src"/*/; do
    layer=$(basename "$dir")
    if [ -z "${allowed[$layer]+x}" ]; then
        echo "check_layers: src/$layer is not a known layer: add it to this table and to design.md" >&2
        bad=$((bad + 1))
        continue
    fi
    while IFS= read -r -d '' file; do
        checked=$((checked + 1))
        n=0
        while IFS= read -r line; do
            n=$((n + 1))
            [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^/\"]+)/ ]] || continue
            target=${BASH_REMATCH[1]}
            if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
                echo "${file#"$src"/}:$n: $layer may not include $target: $line" >&2
                bad=$((bad + 1))
            fi
        done <"$file"
    done < <(find "$dir" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.c' -o -name '*.h' \) -print0)
done
[ "$checked" -gt 0 ] || { echo "check_layers: no sources under $src" >&2; exit 1; }
if [ "$bad" -ne 0 ]; then
    echo "check_layers: $bad include(s) break the layering (design.md)" >&2
    exit 1
fi
echo "check_layers: $checked files keep the layering"
