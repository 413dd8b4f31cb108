#!/usr/bin/env bash
# Train on several GPUs (or CPU processes, gloo) of one machine: tools/dist_train.sh CONFIG N [train.py args]
set -euo pipefail
CONFIG=$1
NPROC=$2
PORT=${PORT:-29500}
DIR=$(cd "$(dirname "$0")" && pwd)
"${PYTHON:-python}" -m torch.distributed.run --nproc_per_node="$NPROC" --master_port="$PORT" "$DIR/train.py" "$CONFIG" --launcher pytorch "${@:3}"
