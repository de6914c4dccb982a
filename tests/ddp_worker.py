"""Worker for tests/test_distributed.py, started by torchrun: fits a small VDAE in a process
group and writes this rank's parameters, loss history and a few samples to OUT/rank{R}.npz."""

import sys

import numpy as np

from vdae import VDAE
from vdae.datasets import make_circle
from vdae.engine.distributed import init_from_env, shutdown, world

PARAMS = dict(n_components=2, prior="exact", n_neighbors=10, epochs=150, batch_size=128,
              decoder_hidden=(64, 64), covariance_hidden=(32,), random_state=0, verbose=0)


def main(out: str) -> None:
    distributed = init_from_env()
    X = make_circle(600, random_state=0).X
    model = VDAE(**PARAMS).fit(X)
    rank, size = world()
    state, _ = model._get_state()
    np.savez(f"{out}/rank{rank}.npz", size=size, distributed=distributed,
             history=np.asarray(model.history_),
             samples=model.sample(500, random_state=1),
             **{k.replace(".", "__"): v for k, v in state.items()
                if k.startswith(("decoder.", "covariance."))})
    shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
