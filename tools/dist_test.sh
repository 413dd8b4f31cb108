#!/usr/bin/env bash
# Test a checkpoint on several GPUs (or CPU processes, gloo) of one or more machines, with torchrun:
#   tools/dist_test.sh CONFIG CHECKPOINT NPROC_PER_NODE [test.py args]
# NNODES, NODE_RANK, MASTER_ADDR and PORT as for tools/dist_train.sh.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PORT=${PORT:-${MASTER_PORT:-29500}}
DIR=$(cd "$(dirname "$0")" && pwd)
"${PYTHON:-python}" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --master_port="$PORT" --nproc_per_node="$NPROC" \
    "$DIR/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
