"""Datasets: MNIST-format files read and checked (idx), downloaded when absent, served as tensors (datasets)."""

from mnist_demo.data.datasets import (
                                      CLASS_NAMES,
                                      DATASETS,
                                      Split,
                                      batches,
                                      expected_files,
                                      load_sample,
                                      load_split,
                                      missing_message,
                                      num_batches,
                                      to_float,
                                      write_sample,
)

__all__ = ["CLASS_NAMES", "DATASETS", "Split", "batches", "expected_files", "load_sample", "load_split",
           "missing_message", "num_batches", "to_float", "write_sample"]
