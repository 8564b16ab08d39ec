#!/usr/bin/env bash
# The tree stays in the style of .clang-format (style.md): every C/C++ file
# git knows is checked with clang-format --dry-run; any difference fails and
# is printed. Fix with: clang-format -i FILE (Debian 12's clang-format 14).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (scripts/install-deps)" >&2; exit 1; }
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.c' '*.h')
else
    mapfile -t files < <(find src tests tools -name '*.cpp' -o -name '*.hpp' -o -name '*.c' -o -name '*.h')
fi
[ ${#files[@]} -gt 0 ] || { echo "check_format: no source files found" >&2; exit 1; }
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
    echo "$out" | head -60
    echo "check_format: $(echo "$out" | grep -c 'error:' || true) lines differ from .clang-format; run clang-format -i on the files above" >&2
    exit 1
fi
echo "check_format: ${#files[@]} files in style"
