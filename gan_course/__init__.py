"""gan-course: GANs that deconstruct and reconstruct images, as a notebook course and a package.

One concept per module, in course order:

- ``runtime``      profile (fast / full), ``seed_everything``, ``get_device``
- ``data``         embedded offline datasets and torchvision ones, batches in [-1, 1]
- ``color``        gray and Lab views for colorization
- ``convolution``  convolution and transposed convolution, by hand and checked (notebook 01)
- ``unet``         U-Net generator with switchable skips (notebook 02)
- ``patchgan``     PatchGAN and global discriminators, receptive fields (notebook 03)
- ``pix2pix``      the pix2pix colorization objective and experiments (notebooks 02–04)
- ``metrics``      PSNR, SSIM, colourfulness, sharpness, held-out realism
- ``evaluation``   offline feature network; FID, KID, precision/recall, density/coverage, modes
- ``exercises``    self-checking notebook exercises
- ``sweep``        seed 001's batch × latent sweep, scored offline
- ``shipped``      the small trained weights in data/ (``gan-course ship`` rebuilds them)
- ``inversion``    image → z for a pretrained G: optimisation, a learned encoder, hybrid
- ``encoder_decoder`` seed 000: image → feature tensor → image GAN, R1 penalty, feature matching
- ``dcgan``        DCGAN generator and discriminator (seed 001)
- ``losses``       adversarial losses on logits and the unconditional GAN objective
- ``engine``       the one GAN training engine: history, callbacks, checkpoints, resume
- ``checkpoint``   atomic, ``weights_only`` checkpoints
- ``plots``        image grids and training curves
- ``widgets``      ipywidgets explorers for the notebooks
- ``cli``          the ``gan-course`` command

Importing the package imports none of these; notebooks import what they use.
"""

__version__ = "0.1.0"
