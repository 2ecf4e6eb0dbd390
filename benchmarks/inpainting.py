"""Yeh et al. inpainting: all images × restarts as one batch of z against a per-image loop.

Both are measured in the same run and printed with their ratio; it runs on a CPU too. Options are those
of `gan-course bench inpainting` (--device, --steps, ...; `--help` lists them).

    python benchmarks/inpainting.py --device cuda
"""
import sys

from gan_course.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "inpainting", *sys.argv[1:]]))
