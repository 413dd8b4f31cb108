#!/usr/bin/env bash
# Train on several GPUs (or CPU processes, gloo) of one or more machines, with torchrun:
#   tools/dist_train.sh CONFIG NPROC_PER_NODE [train.py args]
# More than one machine: run it on each, with the same CONFIG and NPROC_PER_NODE and
#   NNODES      number of machines (default 1)
#   NODE_RANK   this machine's index, 0 .. NNODES-1 (default 0; node 0 hosts the rendezvous)
#   MASTER_ADDR address of node 0, reachable from every node (default 127.0.0.1)
#   PORT        a free port on node 0 (default 29500; MASTER_PORT is read too)
# e.g. NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 tools/dist_train.sh CONFIG 8 on the first machine,
# the same with NODE_RANK=1 on the second.
set -euo pipefail
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PORT=${PORT:-${MASTER_PORT:-29500}}
DIR=$(cd "$(dirname "$0")" && pwd)
"${PYTHON:-python}" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --master_port="$PORT" --nproc_per_node="$NPROC" \
    "$DIR/train.py" "$CONFIG" --launcher pytorch "${@:3}"
