"""The datasets by name, without loading them: what profiles and the command line check names against
(importing :mod:`paperlib.lenet.data` loads torch and scikit-learn)."""

DATASETS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
"""Dataset names used on the command line -> torchvision class (and folder) names."""
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
"""The four IDX files torchvision reads from ``<root>/<Folder>/raw/``."""
