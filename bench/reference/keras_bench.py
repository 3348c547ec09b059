"""Keras 3 on TensorFlow (the seed notebook's own stack) reference row for
`npm run bench`: the seed's layers, Adadelta lr 1.0 rho 0.95 eps 1e-7 (what
the Keras 2 example meant by "adadelta"), batch 128, its steps timed inside fit.

Usage: python3 keras_bench.py CONFIG_JSON MNIST_DIR
Prints one JSON line like bench/rows/node-row.ts; exits 3 (refused) when
TensorFlow does not run the requested thread count.
"""
import os
import time

from common import BATCH, PRETRAIN, config, cpu_flags, emit, mnist_numpy, refuse, split, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(config["threads"])
tf.config.threading.set_inter_op_parallelism_threads(config["threads"])
import keras  # noqa: E402
from keras import layers  # noqa: E402

if tf.config.threading.get_intra_op_parallelism_threads() != config["threads"]:
    refuse(f"TensorFlow runs {tf.config.threading.get_intra_op_parallelism_threads()} intra-op threads, not {config['threads']}")
keras.utils.set_random_seed(1)

build = tf.sysconfig.get_build_info()
setup = {
    "version": f"keras {keras.__version__}, tensorflow {tf.__version__}",
    "threads": config["threads"],
    "blas": "Eigen + oneDNN" if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") != "0" else "Eigen",
    "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") != "0",
    "isa": "avx512f" if "avx512f" in cpu_flags() else "avx2",
    "cpu": cpu_flags(),
    "build": {k: str(v) for k, v in build.items() if k in ("cpu_compiler", "is_cuda_build")},
}


def seed_model(classes=5):
    """The notebook's network: feature layers, then classification layers."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(classes, activation="softmax"),
        ]
    )


data = mnist_numpy()
x, y = split(*data["train"], PRETRAIN)
x = x[..., None]
y = keras.utils.to_categorical(y, 5)
model = seed_model()
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-7), metrics=["accuracy"])


class StepTimes(keras.callbacks.Callback):
    """Each step's time inside fit (from one batch's end to the next), kept after
    config["warmup"] steps and warmupSeconds; stops fit once enough are timed."""

    def __init__(self):
        super().__init__()
        self.began = time.perf_counter()
        self.last = None
        self.seen = 0
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.last is not None and self.seen > config["warmup"] and now - self.began >= config["warmupSeconds"]:
            self.times.append(now - self.last)
        self.last = now
        self.seen += 1
        if len(self.times) >= config["steps"]:
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        # An epoch boundary is not a step.
        self.last = None


# Timed inside fit, the loop the notebook (and Keras users) train with.
steps = StepTimes()
model.fit(x, y, batch_size=BATCH, epochs=1000, verbose=0, callbacks=[steps])
times = steps.times

# Served as a compiled function, the fastest way Keras users call a model on small batches (predict_on_batch adds ~2 ms).
serve = tf.function(lambda t: model(t, training=False), reduce_retracing=True)
tx = tf.constant(split(*data["test"], PRETRAIN, BATCH)[0][..., None])
one = tx[:1]
infer = timed(lambda: serve(tx).numpy(), config["inferRuns"], config["warmup"])
latency = [s * 1000 for s in timed(lambda: serve(one).numpy(), config["latencyRuns"], config["latencyWarmup"])]
emit({"backend": {"name": "keras-tf", "simd": True, "threads": config["threads"]}, "setup": setup, "version": setup["version"], "trainStepSeconds": times, "inferBatchSeconds": infer, "latencyMs": latency})
