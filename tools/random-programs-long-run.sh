#!/bin/bash
# The long run of random programs at one commit, in chunks that each print their own tally, so that a run longer than
# a session can be finished later at the same commit: tools/random-programs-long-run.sh COMMIT FIRST LAST [SIZE]
# runs chunks FIRST..LAST of SIZE programs (20,000 by default) in a detached worktree, one log per chunk in
# /tmp/long-run-COMMIT/, and stops at the first failing chunk (its log holds the program, the point and the seed).
set -u
commit=$(git rev-parse --short "${1:?commit}")
first=${2:?first chunk}
last=${3:?last chunk}
size=${4:-20000}
tree=/tmp/long-run-tree-$commit
logs=/tmp/long-run-$commit
mkdir -p "$logs"
[ -d "$tree" ] || git worktree add --detach "$tree" "$commit" >/dev/null
cd "$tree"
dotnet build tests/DiffGen.Generator.Tests -c Release -m:1 -v q || exit 1
for k in $(seq "$first" "$last"); do
  DIFFGEN_RANDOM_PROGRAMS=$size nice -n 10 dotnet test tests/DiffGen.Generator.Tests -c Release --no-build \
    --filter "FullyQualifiedName~GradientsMatchDualNumbersAndFiniteDifferences" --logger "console;verbosity=detailed" > "$logs/chunk$k.log" 2>&1
  status=$?
  echo "chunk $k of $size at $commit: exit $status, $(date -u)" | tee -a "$logs/status"
  grep -m1 "programs checked" "$logs/chunk$k.log" | sed 's/^ *//' | cut -c1-300
  [ $status -eq 0 ] || exit $status
done
