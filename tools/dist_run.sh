#!/usr/bin/env bash
# torchrun one vlrkit tool on this machine's share of the processes (used by dist_train.sh and
# dist_test.sh): tools/dist_run.sh TOOL NPROC_PER_NODE [tool args]
#   NNODES      number of machines (default 1)
#   NODE_RANK   this machine's index, 0 .. NNODES-1 (default 0; node 0 hosts the rendezvous)
#   MASTER_ADDR address of node 0, reachable from every node (default 127.0.0.1)
#   PORT        a free port on node 0 (default 29500; MASTER_PORT is read too)
set -euo pipefail
TOOL=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PORT=${PORT:-${MASTER_PORT:-29500}}
"${PYTHON:-python}" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --master_port="$PORT" --nproc_per_node="$NPROC" \
    "$TOOL" "${@:3}" --launcher pytorch
