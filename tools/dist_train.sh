#!/usr/bin/env bash
# Train on several GPUs (or CPU processes, gloo) of one or more machines, with torchrun:
#   tools/dist_train.sh CONFIG NPROC_PER_NODE [train.py args]
# More than one machine: run it on each, with the same CONFIG and NPROC_PER_NODE and NNODES,
# NODE_RANK, MASTER_ADDR, PORT (see tools/dist_run.sh), e.g.
# NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 tools/dist_train.sh CONFIG 8 on the first machine,
# the same with NODE_RANK=1 on the second.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
exec bash "$DIR/dist_run.sh" "$DIR/train.py" "$2" "$1" "${@:3}"
