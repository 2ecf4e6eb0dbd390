"""pix2pix 96×96 training (U-Net + PatchGAN, gray → colour): the optimised engine against a plain eager loop.

Both are measured in the same run and printed with their ratio; it runs on a CPU too. Options are those
of `gan-course bench pix2pix` (--device, --steps, ...; `--help` lists them).

    python benchmarks/train_pix2pix.py --device cuda
"""
import sys

from gan_course.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "pix2pix", *sys.argv[1:]]))
