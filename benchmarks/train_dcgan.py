"""DCGAN-64 training (seed 001's full-size net): the optimised engine against a plain eager loop.

Both are measured in the same run and printed with their ratio; it runs on a CPU too. Options are those
of `gan-course bench dcgan` (--device, --steps, ...; `--help` lists them).

    python benchmarks/train_dcgan.py --device cuda
"""
import sys

from gan_course.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "dcgan", *sys.argv[1:]]))
