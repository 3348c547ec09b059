"""The seed notebook's whole experiment in Keras 3 on TensorFlow, for the
end-to-end row of `npm run bench`: train the CNN on digits 5-9 (5 epochs,
batch 128), freeze its feature layers, train new classification layers on
0-4 (5 epochs), each phase scored on its test digits. Its two bugs fixed:
0-4 are trained once, and Adadelta gets learning rate 1.0 (Keras 3's
default 0.001 is what made the notebook learn slowly).

Usage: python3 keras_transfer.py CONFIG_JSON MNIST_DIR
Prints {"seconds": wall time from start to the last score, "pretrainAccuracy", "finetuneAccuracy", "setup"}.
"""
import os
import time

started = time.perf_counter()
from common import FINETUNE, PRETRAIN, config, cpu_flags, emit, mnist_numpy, split  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(config["threads"])
tf.config.threading.set_inter_op_parallelism_threads(config["threads"])
import keras  # noqa: E402
from keras import layers  # noqa: E402

keras.utils.set_random_seed(1)
BATCH, EPOCHS = 128, 5

features = [
    layers.Conv2D(32, 3, activation="relu"),
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Dropout(0.25),
    layers.Flatten(),
]
classification = lambda: [layers.Dense(128, activation="relu"), layers.Dropout(0.5), layers.Dense(5, activation="softmax")]


def phase(model, classes, data):
    x, y = split(*data["train"], classes)
    tx, ty = split(*data["test"], classes)
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-7), metrics=["accuracy"])
    model.fit(x[..., None], keras.utils.to_categorical(y, 5), batch_size=BATCH, epochs=EPOCHS, verbose=0)
    return model.evaluate(tx[..., None], keras.utils.to_categorical(ty, 5), verbose=0)[1]


data = mnist_numpy()
pretrain = phase(keras.Sequential([keras.Input((28, 28, 1)), *features, *classification()]), PRETRAIN, data)
for layer in features:
    layer.trainable = False
finetune = phase(keras.Sequential([keras.Input((28, 28, 1)), *features, *classification()]), FINETUNE, data)
emit(
    {
        "seconds": time.perf_counter() - started,
        "pretrainAccuracy": pretrain,
        "finetuneAccuracy": finetune,
        "setup": {"version": f"keras {keras.__version__}, tensorflow {tf.__version__}", "threads": config["threads"], "isa": "avx512f" if "avx512f" in cpu_flags() else "avx2"},
    }
)
