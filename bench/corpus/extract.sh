#!/usr/bin/env bash
# extract.sh GIT_DIR COMMIT DEST
# Writes the tree of COMMIT from the (bare) git directory GIT_DIR into DEST (created).
# Blobs missing from the git directory (snapshots may lack large files or LFS content) are
# skipped and counted on stderr instead of aborting the archive.
set -euo pipefail
git_dir=$1 commit=$2 dest=$3
mkdir -p "$dest"
missing=$(mktemp)
trap 'rm -f "$missing"' EXIT
# Every blob path with whether its object exists; keep the paths of missing ones.
git --git-dir="$git_dir" ls-tree -r -z --full-tree "$commit" |
  python3 -c '
import subprocess, sys
git_dir = sys.argv[1]
entries = [e for e in sys.stdin.buffer.read().split(b"\0") if e]
objs, paths = [], []
for e in entries:
    meta, path = e.split(b"\t", 1)
    mode, kind, sha = meta.split()
    if kind != b"blob":
        continue
    objs.append(sha); paths.append(path)
out = subprocess.run(["git", "--git-dir=" + git_dir, "cat-file", "--batch-check"],
                     input=b"\n".join(objs) + b"\n", capture_output=True, check=True).stdout
for line, path in zip(out.splitlines(), paths):
    if line.endswith(b" missing"):
        sys.stdout.buffer.write(path + b"\0")
' "$git_dir" > "$missing"
n=$(tr -cd '\0' < "$missing" | wc -c)
args=()
while IFS= read -r -d '' p; do args+=(":(exclude,literal)$p"); done < "$missing"
if [ "$n" -gt 0 ]; then
  echo "extract: $n blob(s) absent from $git_dir, skipped" >&2
  git --git-dir="$git_dir" archive "$commit" -- . "${args[@]}" 2>/dev/null | tar -x -C "$dest"
else
  git --git-dir="$git_dir" archive "$commit" | tar -x -C "$dest"
fi
git --git-dir="$git_dir" rev-parse "$commit^{commit}" > "$dest/.corpus-commit"
