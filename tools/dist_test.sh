#!/usr/bin/env bash
# Test a checkpoint on several GPUs (or CPU processes, gloo) of one or more machines, with torchrun:
#   tools/dist_test.sh CONFIG CHECKPOINT NPROC_PER_NODE [test.py args]
# NNODES, NODE_RANK, MASTER_ADDR and PORT as for tools/dist_train.sh (see tools/dist_run.sh).
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
exec bash "$DIR/dist_run.sh" "$DIR/test.py" "$3" "$1" "$2" "${@:4}"
