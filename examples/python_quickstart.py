"""The Python module's worked example (docs/python.md): fit an RBM on the
bundled MNIST digits, know its test log-likelihood with an error bar, bound
it from both sides, look at samples, and hand the model to scikit-learn.

    PYTHONPATH=build/python /usr/bin/python3 examples/python_quickstart.py [OUT_DIR]

Writes OUT_DIR/samples.png when matplotlib is installed (python3-matplotlib).
"""

import sys
import time
from pathlib import Path

import numpy as np

import logz

out = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/python-quickstart")
out.mkdir(parents=True, exist_ok=True)

# 1. Data: 9,000 + 1,000 binarized digits, float32 arrays (n, 784).
train, test = logz.load_data("mnist10k")
print(f"train {train.shape}, test {test.shape}")

# 2. Fit: persistent contrastive divergence, 20 epochs, the same model as
#    `logz train --hidden 25 --method pcd --epochs 20` bit for bit.
start = time.perf_counter()
rbm = logz.BernoulliRBM(n_hidden=25, method="pcd", n_epochs=20, seed=0).fit(train)
print(f"fit in {time.perf_counter() - start:.1f} s: {len(rbm.history_['epoch'])} epochs; "
      f"reconstruction error {rbm.history_['reconstruction_error'][0]:.2f} after the first, "
      f"{rbm.history_['reconstruction_error'][-1]:.2f} after the last")

# 3. The test log-likelihood: log Z exactly (2^25 hidden states).
print(f"test log-likelihood {rbm.score(test):.4f} nats per example; {rbm.log_z_}")

# 4. The same log Z by annealing (SMC: 10 populations of 10 chains), with its
#    error bar, as a model too large to enumerate would need.
ais = logz.estimate_log_z(rbm, method="ais", replicates=10, seed=1)
print(f"{ais}\n  exact log Z {rbm.log_z_.log_z:.4f} is "
      f"{'inside' if ais.lower <= rbm.log_z_.log_z <= ais.upper else 'OUTSIDE'} the interval")

# 5. The average test log-likelihood bracketed without knowing log Z:
#    RAISE below, forward annealing above.
bounds = logz.log_likelihood_bounds(rbm, test, method="bracket", seed=1)
print(f"{bounds}, width {bounds.width:.3f} nats")

# 6. Samples: 1,000 Gibbs sweeps from exact draws of the base-rate model.
samples = rbm.sample(64, steps=1000)
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    grid = samples.reshape(8, 8, 28, 28).transpose(0, 2, 1, 3).reshape(8 * 28, 8 * 28)
    plt.imsave(out / "samples.png", grid, cmap="gray")
    print(f"samples in {out / 'samples.png'}")
except ImportError:
    print("matplotlib is not installed (apt-get install python3-matplotlib): no picture")

# 7. A fitted model pickles (its safetensors bytes and settings), so joblib
#    and GridSearchCV(n_jobs=...) can move it between processes.
import pickle

again = pickle.loads(pickle.dumps(rbm))
print(f"pickled and back: the same test log-likelihood: {again.score(test) == rbm.score(test)}")
